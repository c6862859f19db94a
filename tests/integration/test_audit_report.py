"""The audit's report as a person reads it: each vault's security posture against its declared settings, opened in a
real headless browser (Debian's chromium, installed by scripts/install_browser.sh).

The demo estate rolled out by site.yml, then two vaults weakened behind the inventory's back (audit_report/weaken.yml):
audit.yml, writing into a folder that does not exist yet, creates it, stays read-only, and flags exactly the weakened
settings. Chromium renders the HTML page: its DOM (``--dump-dom``) has the per-vault posture rows and flags, the totals,
the chart, the file shares and the merged pre-check reasons; its screenshot is kept for a person to look at.
"""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from conftest import ROOT, run_playbook, start_emulator

DEMO_ESTATE = ROOT / "tests" / "emulator" / "estates" / "demo.yml"
INVENTORY = ROOT / "playbooks" / "inventories" / "emulator"
WEAKEN = ROOT / "tests" / "integration" / "audit_report" / "weaken.yml"
WEAKER = {"rsv-demo-weu": ["soft_delete_retention_days", "enhanced_security"], "rsv-demo-neu": ["backup_reports"]}
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
