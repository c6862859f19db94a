"""The audit's report as a person reads it: each vault's security posture against its declared settings, opened in a
real headless browser (Debian's chromium, installed by scripts/install_browser.sh).

The demo estate rolled out by site.yml, then two vaults weakened behind the inventory's back (audit_report/weaken.yml):
audit.yml, writing into a folder that does not exist yet, creates it, stays read-only, and flags exactly the weakened
settings. Chromium renders the HTML page: its DOM (``--dump-dom``) has the per-vault posture rows and flags, the totals,
the chart, the file shares and the merged pre-check reasons; its screenshot is kept for a person to look at.

Recovery health: weaken.yml backs vm-web-01 up (RPO met); the other protected VMs have no recovery point yet (RPO missed,
highlighted). Then vm-api-neu-02 is deleted and backed up over raw ARM, which fails its Backup job with
UserErrorVmNotFoundV2: a second audit lists that job with its error (read from the item's health details, as Azure's job
list carries none), from three listings per vault and no request per VM or per job.
"""

import json
import re
import shutil
import ssl
import subprocess
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest

from conftest import ROOT, playbook_env, run_playbook, start_emulator

DEMO_ESTATE = ROOT / "tests" / "emulator" / "estates" / "demo.yml"
INVENTORY = ROOT / "playbooks" / "inventories" / "emulator"
WEAKEN = ROOT / "tests" / "integration" / "audit_report" / "weaken.yml"
WEAKER = {"rsv-demo-weu": ["soft_delete_retention_days", "enhanced_security"], "rsv-demo-neu": ["backup_reports"]}
PROTECTED_VMS = {"vm-web-01", "vm-web-02", "vm-sql-01", "vm-batch-01", "vm-api-neu-01", "vm-api-neu-02"}
FAILING = ("rsv-demo-neu", "rg-app-neu", "vm-api-neu-02")
SHARES = {("rsv-demo-neu", "archive"), ("rsv-demo-weu", "finance"), ("rsv-demo-weu", "hr"), ("rsv-demo-weu", "projects")}


@pytest.fixture(scope="module")
def chromium():
    """The browser: installed by scripts/install_browser.sh in a checkout (the collection's tarball leaves scripts out)."""
    script = ROOT / "scripts" / "install_browser.sh"
    if not script.exists():
        found = shutil.which("chromium")
        assert found, "chromium is not installed (Debian: apt-get install chromium)"
        return found
    installed = subprocess.run([str(script)], capture_output=True, text=True, check=False, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return installed.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def weakened_estate():
    running = start_emulator(DEMO_ESTATE, extra_args=("--lro-delay", "0.2"))
    for playbook in (ROOT / "playbooks" / "site.yml", WEAKEN):
        result = run_playbook(running, playbook, "-i", str(INVENTORY))
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


@pytest.fixture(scope="module")
def audit(weakened_estate, tmp_path_factory):
    """The audit written into a folder that does not exist yet: (JSON report, HTML path, playbook output, request log)."""
    dest = tmp_path_factory.mktemp("reports") / "not" / "there" / "backup-audit"
    weakened_estate.control("POST", "requests/reset")
    result = run_playbook(weakened_estate, ROOT / "playbooks" / "audit.yml", "-i", str(INVENTORY), "-e", f"azure_backup_audit_dest={dest}")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    report = json.loads(dest.with_suffix(".json").read_text(encoding="utf-8"))
    return report, dest.with_suffix(".html"), result.stdout, weakened_estate.control("GET", "requests")


def arm(emulator, method, path, body=None):
    """One raw ARM request with a token from the emulator's Azure AD, as the principal of the inventory."""
    env = playbook_env(emulator)
    context = ssl.create_default_context(cafile=emulator.ca_file)
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": env["AZURE_CLIENT_ID"], "client_secret": env["AZURE_SECRET"],
                                   "scope": "https://management.azure.com/.default"}).encode()
    with urllib.request.urlopen(f"{emulator.endpoint}/{env['AZURE_TENANT']}/oauth2/v2.0/token", data=form, context=context, timeout=30) as answer:
        token = json.load(answer)["access_token"]
    url = f"{emulator.endpoint}/subscriptions/{env['AZURE_SUBSCRIPTION_ID']}{path}?api-version=2025-02-01"
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, None


@pytest.fixture(scope="module")
def audit_after_failed_backup(audit, weakened_estate, tmp_path_factory):
    """vm-api-neu-02 deleted, then backed up (its job fails), then audited again: (JSON report, HTML path, output, request log)."""
    vault, group, vm = FAILING
    status, dummy = arm(weakened_estate, "DELETE", f"/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{vm}")
    assert status in (200, 202), status
    for dummy in range(100):
        if arm(weakened_estate, "GET", f"/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{vm}")[0] == 404:
            break
        time.sleep(0.2)
    container = f"iaasvmcontainer;iaasvmcontainerv2;{group};{vm}"
    item = (f"/resourceGroups/rg-backup-weu/providers/Microsoft.RecoveryServices/vaults/{vault}/backupFabrics/Azure/protectionContainers/"
            f"{container}/protectedItems/vm;iaasvmcontainerv2;{group};{vm}")
    status, dummy = arm(weakened_estate, "POST", item + "/backup", {"properties": {"objectType": "IaasVMBackupRequest"}})
    assert status == 202, status
    for dummy in range(150):
        if ((arm(weakened_estate, "GET", item)[1] or {}).get("properties") or {}).get("lastBackupStatus") == "Failed":
            break
        time.sleep(0.2)
    dest = tmp_path_factory.mktemp("reports-after") / "backup-audit"
    weakened_estate.control("POST", "requests/reset")
    result = run_playbook(weakened_estate, ROOT / "playbooks" / "audit.yml", "-i", str(INVENTORY), "-e", f"azure_backup_audit_dest={dest}")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    report = json.loads(dest.with_suffix(".json").read_text(encoding="utf-8"))
    return report, dest.with_suffix(".html"), result.stdout, weakened_estate.control("GET", "requests")


def test_the_audit_flags_each_vault_where_it_is_weaker_than_declared(audit):
    report, html, output, log = audit
    assert html.exists()  # its folder was created
    assert log["writes"] == 0, [(entry["method"], entry["path"]) for entry in log["requests"] if entry["write"]]
    posture = {row["vault"]: row for row in report["vault_security"]}
    assert {name: row["weaker"] for name, row in posture.items()} == WEAKER
    weu, neu = posture["rsv-demo-weu"], posture["rsv-demo-neu"]
    assert (weu["soft_delete"], weu["soft_delete_retention_days"], weu["enhanced_security"], weu["storage_redundancy"], weu["cross_region_restore"],
            weu["cross_subscription_restore"], weu["multi_user_authorization"], weu["backup_reports"]) == \
        ("Enabled", 14, "Disabled", "GeoRedundant", True, "Disabled", "Disabled", "compliant")
    assert (neu["storage_redundancy"], neu["cross_region_restore"], neu["soft_delete_retention_days"], neu["backup_reports"], neu["diagnostic_settings"]) == \
        ("LocallyRedundant", False, 14, "none", [])
    block = output[output.index("TASK [Print the vaults' security posture"):output.index("TASK [Print the coverage]")]
    assert "weaker   rsv-demo-weu: soft deleted data is kept 14 days, declared 30" in block
    assert "weaker   rsv-demo-neu: diagnostic setting(s) backup-reports missing" in block
    # Per vault: the vault and its guard associations (vault_security_info), the vault and its diagnostic settings.
    for vault in WEAKER:
        reads = [entry["path"] for entry in log["requests"] if f"/vaults/{vault}" in entry["path"] and
                 (entry["path"].endswith(f"/vaults/{vault}") or entry["path"].endswith(("/backupResourceGuardProxies", "/diagnosticSettings")))]
        assert len([path for path in reads if path.endswith("/backupResourceGuardProxies")]) == 1, reads
        assert len([path for path in reads if path.endswith("/diagnosticSettings")]) == 1, reads


def test_the_folder_is_made_before_any_read_and_a_folder_that_cannot_be_made_costs_no_read(weakened_estate, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    weakened_estate.control("POST", "requests/reset")
    result = run_playbook(weakened_estate, ROOT / "playbooks" / "audit.yml", "-i", str(INVENTORY),
                          "-e", f"azure_backup_audit_dest={blocker / 'reports' / 'backup-audit'}")
    assert result.returncode != 0
    assert "TASK [Create the reports' folder]" in result.stdout and "TASK [Pre-check the VMs" not in result.stdout, result.stdout[-3000:]
    assert [entry for entry in weakened_estate.control("GET", "requests")["requests"] if entry["kind"] == "arm"] == []


class Page(HTMLParser):
    """The rendered DOM as a flat list of elements, each with its tag, attributes, text and ancestors."""

    VOID = ("meta", "br", "img", "input", "link")

    def __init__(self, dom):
        super().__init__()
        self.elements, self.open = [], []
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "ancestors": list(self.open)}
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data

    def find(self, tag, inside=None, **attrs):
        """Elements of ``tag`` with these attribute values (``class_`` for class), below the element with id ``inside``."""
        return [element for element in self.elements if element["tag"] == tag
                and (inside is None or any(ancestor["attrs"].get("id") == inside for ancestor in element["ancestors"]))
                and all(element["attrs"].get(key.rstrip("_")) == value for key, value in attrs.items())]

    def children(self, parent, tag):
        return [element for element in self.elements if element["tag"] == tag and element["ancestors"] and element["ancestors"][-1] is parent]


def rendered(chromium, html, *arguments):
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               f"--user-data-dir={html.parent / 'chromium-profile'}", *arguments, html.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_html_report_reads_in_a_headless_browser(audit, chromium):
    report, html, dummy, dummy_log = audit
    page = Page(rendered(chromium, html, "--dump-dom"))

    rows = {row["attrs"]["data-vault"]: row for row in page.find("tr", inside="vault-security") if "data-vault" in row["attrs"]}
    assert set(rows) == set(WEAKER)
    weak = {vault: [cell["attrs"]["data-setting"] for cell in page.children(row, "td") if cell["attrs"].get("class") == "weak"]
            for vault, row in rows.items()}
    assert weak == WEAKER
    assert "soft deleted data is kept 14 days, declared 30" in rows["rsv-demo-weu"]["text"]
    assert "backup-reports missing" in rows["rsv-demo-neu"]["text"]

    totals = {card["attrs"]["data-total"]: page.children(card, "b")[0]["text"] for card in page.find("div", inside="totals") if "data-total" in card["attrs"]}
    assert [totals[key] for key in ("protected", "unprotected", "skipped", "failed", "file_shares", "weaker_vaults")] == ["6", "0", "3", "0", "4", "2 / 2"]

    chart = page.find("svg", id="coverage-chart")
    assert len(chart) == 1
    drawn = {}
    for group in page.find("g", inside="coverage-chart", class_="bar"):
        for rect in page.children(group, "rect"):
            assert float(rect["attrs"]["width"]) > 0
            drawn.setdefault(group["attrs"]["data-vault"], {})[rect["attrs"]["class"]] = int(rect["attrs"]["data-count"])
    assert drawn == {vault["vault"]: {key: count for key, count in vault["totals"].items() if count} for vault in report["vaults"]}

    shares = [[cell["text"] for cell in page.children(row, "td")] for row in page.find("tr", inside="file-shares")]
    assert {(cells[2], cells[0]) for cells in shares if len(cells) == 6} == SHARES

    reasons = [[cell["text"] for cell in page.children(row, "td")][-1] for row in page.find("tr", inside="prechecks") if page.children(row, "td")]
    stopped = [reason for reason in reasons if re.match(r"VM is (stopped|deallocated)", reason)]
    assert stopped and all(len(re.findall(r"VM is (?:stopped|deallocated)", reason)) == 1 for reason in stopped), stopped


def test_the_screenshot_shows_the_report(audit, chromium, tmp_path):
    dummy, html, dummy_output, dummy_log = audit
    shot = tmp_path / "backup-audit.png"
    rendered(chromium, html, f"--screenshot={shot}", "--window-size=1400,2200")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == 1400 and len(data) > 50_000
    kept = ROOT / ".cache" / "audit-report" / "backup-audit.png"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, kept)
    shutil.copyfile(html, kept.with_suffix(".html"))
    print(f"screenshot: {kept}")


def test_the_recovery_health_measures_each_vm_against_its_policy(audit):
    report, dummy, output, log = audit
    health = {row["vm"]: row for row in report["recovery_health"]}
    assert set(health) == PROTECTED_VMS
    fresh = health["vm-web-01"]
    assert (fresh["last_backup_status"], fresh["rpo_hours"], fresh["rpo_met"]) == ("Completed", 24, True)
    assert fresh["newest_point_age_hours"] < 1 and fresh["last_backup_time"] == fresh["newest_point"]
    assert health["vm-sql-01"]["rpo_hours"] == 4  # vm-hourly: enhanced, every 4 hours
    missed = {name for name, row in health.items() if row["rpo_met"] is False}
    assert missed == PROTECTED_VMS - {"vm-web-01"}
    assert all(health[name]["reason"] == "no recovery point yet" and health[name]["last_backup_time"] is None for name in missed)
    assert report["jobs_needing_attention"] == []
    block = output[output.index("TASK [Print the recovery health"):output.index("TASK [Print the protected file shares]")]
    assert re.search(r"met +vm-web-01 +rsv-demo-weu +vm-nightly", block) and "missed   rsv-demo-weu/vm-web-02: no recovery point yet" in block
    # One job listing per vault, whatever the number of VMs and jobs, and no request per job (the policies are listed, by
    # this part and by vm_protection's check-mode plan).
    for vault in WEAKER:
        paths = [entry["path"] for entry in log["requests"] if f"/vaults/{vault}/" in entry["path"]]
        assert len([path for path in paths if path.endswith("/backupJobs")]) == 1, paths
        assert len([path for path in paths if path.endswith("/backupPolicies")]) == 2, paths
        assert not [path for path in paths if "/backupJobs/" in path], paths


def test_a_failed_backup_is_listed_with_its_error_and_its_vm_highlighted(audit_after_failed_backup, chromium):
    report, html, output, log = audit_after_failed_backup
    vault, dummy_group, vm = FAILING
    jobs = report["jobs_needing_attention"]
    assert [(job["vault"], job["entity"], job["operation"], job["status"], job["error_source"]) for job in jobs] == \
        [(vault, vm, "Backup", "Failed", "item health")]
    assert "UserErrorVmNotFoundV2" in jobs[0]["error"] and "doesn't exist anymore" in jobs[0]["error"]
    row = {row["vm"]: row for row in report["recovery_health"]}[vm]
    assert (row["last_backup_status"], row["rpo_met"], row["health_status"]) == ("Failed", False, "ActionRequired")
    assert f"job      {vault}/{vm}: Backup Failed at " in output
    assert [entry for entry in log["requests"] if "/backupJobs/" in entry["path"]] == []

    page = Page(rendered(chromium, html, "--dump-dom"))
    rows = {element["attrs"]["data-vm"]: element for element in page.find("tr", inside="recovery-health") if "data-vm" in element["attrs"]}
    assert set(rows) == PROTECTED_VMS
    highlighted = {name for name, element in rows.items() if element["attrs"].get("class") == "weak"}
    assert highlighted == PROTECTED_VMS - {"vm-web-01"}
    assert {name: element["attrs"]["data-rpo"] for name, element in rows.items()}["vm-web-01"] == "met"
    assert [cell["text"] for cell in page.children(rows["vm-web-01"], "td") if cell["attrs"].get("data-field") == "rpo"] == ["met"]
    assert "Failed" in rows[vm]["text"] and "UserErrorVmNotFoundV2" in rows[vm]["text"]
    failed = page.find("tr", inside="jobs-attention")
    listed = [element for element in failed if element["attrs"].get("data-job")]
    assert len(listed) == 1 and listed[0]["attrs"]["data-job"] == jobs[0]["job_id"]
    cells = [cell["text"].strip() for cell in page.children(listed[0], "td")]
    assert cells[:4] == ["Failed", vm, "Backup", vault] and "UserErrorVmNotFoundV2" in cells[-1]
    totals = {card["attrs"]["data-total"]: page.children(card, "b")[0]["text"] for card in page.find("div", inside="totals") if "data-total" in card["attrs"]}
    assert (totals["rpo_missed"], totals["jobs_needing_attention"]) == ("5 / 6", "1")
