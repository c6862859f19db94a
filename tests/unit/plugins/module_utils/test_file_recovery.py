"""Pure logic of file recovery (module_utils/_file_recovery.py): script parsing, point choice, file names, modes, atomic writes."""

import base64

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import newest_point, parse_time
from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _file_recovery as ilr

PASSWORD = "Ab3dEf6hIj9kLm2"
HEX_ID = "4f1c2a3b4d5e4f608a7b9c0d1e2f3a4b"
SUFFIX = f"web-01_westeurope_38823086363464_{HEX_ID}{PASSWORD}76a4dced41ff78"
LINUX_TEXT = f'#!/usr/bin/env python3\n# \u00a9 Microsoft\nTargetPassword="{PASSWORD}"\nprint("mount")\n'


def point(name, when, tiers=(("InstantRP", "Valid"), ("HardenedRP", "Valid")), active=False):
    return {"name": name, "properties": {"recoveryPointTime": when, "recoveryPointType": "CrashConsistent", "isInstantIlrSessionActive": active,
                                         "recoveryPointTierDetails": [{"type": kind, "status": status} for kind, status in tiers]}}


def linux_scripts(text=LINUX_TEXT, suffix=SUFFIX):
    return [{"osType": "Linux", "scriptExtension": ".py", "scriptContent": base64.b64encode(text.encode("utf-8")).decode(),
             "scriptNameSuffix": suffix, "url": None}]


def windows_scripts(url="https://example.test/ilr.exe"):
    return [{"osType": "Windows", "scriptExtension": ".ps1", "scriptContent": "eA==", "scriptNameSuffix": SUFFIX, "url": None},
            {"osType": "Windows", "scriptExtension": ".exe", "scriptContent": None, "scriptNameSuffix": SUFFIX, "url": url}]


def test_the_password_sits_33_characters_after_the_last_underscore():
    stem, password = ilr.split_suffix(SUFFIX)
    assert password == PASSWORD
    assert stem == f"web-01_westeurope_38823086363464_{HEX_ID}76a4dced41ff78"


@pytest.mark.parametrize("suffix", [None, "", "no-underscore-at-all", "short_abc"])
def test_a_suffix_without_room_for_the_password_is_refused(suffix):
    with pytest.raises(ValueError, match="scriptNameSuffix"):
        ilr.split_suffix(suffix)


def test_linux_artefact_is_the_decoded_script_with_azures_prompt_marker():
    artefact = ilr.script_artefact(linux_scripts())
    assert artefact["os_type"] == "Linux" and artefact["password"] == PASSWORD and artefact["url"] is None
    assert artefact["file_name"] == f"web-01_westeurope_38823086363464_{HEX_ID}76a4dced41ff78.py"
    expected = LINUX_TEXT.replace(f'TargetPassword="{PASSWORD}"', 'TargetPassword="UserInput012345"').encode("utf-8")
    assert artefact["content"] == expected
    assert PASSWORD.encode() not in artefact["content"]


def test_windows_artefact_uses_the_second_entrys_url_and_name():
    artefact = ilr.script_artefact(windows_scripts())
    assert artefact["os_type"] == "Windows" and artefact["content"] is None
    assert artefact["url"] == "https://example.test/ilr.exe" and artefact["file_name"].endswith(".exe")
    assert artefact["password"] == PASSWORD


def test_missing_scripts_url_or_unsafe_names_are_refused():
    with pytest.raises(ValueError, match="no client script"):
        ilr.script_artefact([])
    with pytest.raises(ValueError, match="download URL"):
        ilr.script_artefact(windows_scripts(url=None))
    with pytest.raises(ValueError, match="unusable"):
        ilr.script_artefact(linux_scripts(suffix=f"../etc_{HEX_ID}{PASSWORD}x/y"))


def test_newest_point_and_newest_before_a_time():
    points = [point("1", "2026-11-18T00:00:00.0000000Z"), point("3", "2026-11-20T00:00:00.1234567Z"), point("2", "2026-11-19T12:00:00Z")]
    assert newest_point(points)["name"] == "3"
    assert newest_point(points, parse_time("2026-11-19T12:00:00Z"))["name"] == "2"
    assert newest_point(points, parse_time("2026-11-19 11:59"))["name"] == "1"
    assert newest_point(points, parse_time("2026-11-01T00:00:00Z")) is None


@pytest.mark.parametrize("given, expected", [("0700", 0o700), ("700", 0o700), (0o640, 0o640), ("0o750", 0o750), ("0755", 0o755)])
def test_modes(given, expected):
    assert ilr.parse_mode(given) == expected


@pytest.mark.parametrize("given", ["rwx", "0800", "12", "u+x"])
def test_bad_modes(given):
    with pytest.raises(ValueError, match="octal"):
        ilr.parse_mode(given)


def test_operation_id_is_the_last_segment_of_the_status_url():
    class Response:  # pylint: disable=too-few-public-methods
        headers = {"Azure-AsyncOperation": "https://h/x/protectedItems/VM%3Bv/operationsStatus/abc-123?api-version=2026-10-01"}
    assert ilr.operation_id(Response()) == "abc-123"


def test_instructions_never_carry_the_password():
    for artefact in (ilr.script_artefact(linux_scripts()), ilr.script_artefact(windows_scripts())):
        steps = ilr.instructions(artefact, "2026-11-25T12:00:00Z")
        assert steps and not any(PASSWORD in step for step in steps)
        assert any(artefact["file_name"] in step for step in steps)


def test_markers_are_found_per_vm(tmp_path):
    (tmp_path / ilr.marker_name("web-01", "111")).write_text('{"file_name": "a.py"}')
    (tmp_path / ilr.marker_name("web-010", "222")).write_text('{"file_name": "b.py"}')
    (tmp_path / ilr.marker_name("web-01", "333")).write_text("not json")
    assert ilr.markers_of_vm(str(tmp_path), "web-01") == {"111": {"file_name": "a.py"}}
    assert ilr.markers_of_vm(str(tmp_path / "missing"), "web-01") == {}


def test_markers_of_a_vm_whose_name_extends_another_are_not_mixed_up(tmp_path):
    (tmp_path / ilr.marker_name("app.db", "111")).write_text('{"file_name": "a.py"}')
    assert ilr.markers_of_vm(str(tmp_path), "app") == {}


def test_embed_password_keeps_the_served_script_byte_for_byte():
    scripts = linux_scripts()
    served = base64.b64decode(scripts[0]["scriptContent"])
    assert ilr.script_artefact(scripts, embed_password=True)["content"] == served
    assert ilr.script_artefact(scripts)["content"] != served
