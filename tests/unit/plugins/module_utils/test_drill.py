"""Pure parts of restore drills: sampling, names and tags, judging a drilled VM, Run Command output."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _drill as drill

VMS = [{"key": f"/vm/{index:02d}", "name": f"vm-{index:02d}"} for index in range(10)]


def test_sample_by_count_share_or_all_and_repeatable_with_a_seed():
    assert len(drill.sample(VMS)) == 10
    assert len(drill.sample(VMS, count=3)) == 3 and len(drill.sample(VMS, share=0.25)) == 2 and len(drill.sample(VMS, share=0.01)) == 1
    assert drill.sample(VMS, count=4, seed="weekly") == drill.sample(list(reversed(VMS)), count=4, seed="weekly")
    assert len(drill.sample(VMS, count=4, share=0.8)) == 4


def test_names_tags_and_leftover_groups():
    assert drill.restored_vm_name("x" * 70) == "x" * 58 + "-drill" and len(drill.restored_vm_name("x" * 70)) == 64
    name = drill.staging_account_name("/S/V", "drill-1")
    assert name.startswith("stdrill") and len(name) == 24 and name.isalnum() and name == drill.staging_account_name("/s/v", "drill-1")
    tags = drill.drill_tags("drill-1", "/S/V", name)
    assert drill.is_drill_group_of({"tags": tags}, "/s/v") and not drill.is_drill_group_of({"tags": tags}, "/s/other")
    assert not drill.is_drill_group_of({"tags": {}}, "/s/v")
    assert drill.tags_match({"Env": "prod", "app": "web"}, {"env": "prod"}) and not drill.tags_match({"env": "test"}, {"env": "prod"})


def test_judge_names_every_failure_and_the_targets():
    good = {"checks": {"job_succeeded": True, "vm_running": True, "agent_ready": True}, "rpo_hours": 3.0, "rto_minutes": 40.0}
    assert drill.judge(good, 24, 60) == (True, [])
    passed, reasons = drill.judge(dict(good, rpo_hours=30.0, rto_minutes=90.0, checks={"job_succeeded": True, "agent_ready": False}), 24, 60)
    assert not passed and reasons == ["VM agent is not Ready", "RPO 30.0 h exceeds the target of 24 h", "RTO 90.0 min exceeds the target of 60 min"]
    assert drill.judge({"error": "no point", "checks": {}}) == (False, ["no point"])


@pytest.mark.parametrize("result, expected", [
    ({"value": [{"code": "ProvisioningState/succeeded", "message": "Enable succeeded: \n[stdout]\nok\n\n[stderr]\nwarn\n"}]}, ("ok\n", "warn\n")),
    ({"value": [{"code": "ComponentStatus/StdOut/succeeded", "message": "ok"}, {"code": "ComponentStatus/StdErr/succeeded", "message": ""}]},
     ("ok", "")),
])
def test_command_output_for_linux_and_windows(result, expected):
    assert drill.command_output(result) == expected


def test_totals():
    results = [{"passed": True, "rpo_hours": 1.0, "rto_minutes": 5.0}, {"passed": False, "rpo_hours": 2.0}]
    assert drill.totals(results) == {"vms": 2, "passed": 1, "failed": 1, "max_rpo_hours": 2.0, "max_rto_minutes": 5.0}
