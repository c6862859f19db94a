"""Parse every PowerShell file of the collection: pwsh cannot run here, so this is the syntax check.

tree-sitter's PowerShell grammar marks what it cannot parse with ERROR nodes and what it had
to invent (a missing brace, quote or parenthesis) with MISSING nodes; either fails the test.
"""

from pathlib import Path

import pytest

# tree-sitter and its PowerShell grammar come from requirements-test.txt (scripts/bootstrap.sh); without them
# the whole file is skipped, saying so, rather than failing a plain `pytest tests/unit`.
tree_sitter = pytest.importorskip("tree_sitter", reason="tree-sitter is not installed: PowerShell syntax not checked")
tree_sitter_powershell = pytest.importorskip("tree_sitter_powershell",
                                             reason="tree-sitter-powershell is not installed: PowerShell syntax not checked")

ROOT = Path(__file__).resolve().parents[3]
SKIPPED_DIRECTORIES = {".venv", ".cache", ".git", "output", "node_modules"}
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def powershell_files():
    return sorted(path for pattern in ("*.ps1", "*.psm1") for path in ROOT.rglob(pattern)
                  if not SKIPPED_DIRECTORIES & set(path.relative_to(ROOT).parts))


def syntax_problems(source):
    """Each ERROR or MISSING node as 'line:column kind', in source order."""
    problems = []
    pending = [PARSER.parse(source).root_node]
    while pending:
        node = pending.pop()
        if node.is_error or node.is_missing:
            line, column = node.start_point
            problems.append((line + 1, column + 1, "missing " + node.type if node.is_missing else "cannot parse"))
        pending.extend(reversed(node.children))
    return [f"{line}:{column} {kind}" for line, column, kind in sorted(problems)]


BACKUP_SERVER_FILES = ("plugins/modules/backup_server_registration.ps1", "plugins/modules/backup_server_info.ps1",
                       "plugins/module_utils/BackupServer.psm1")


def test_the_collection_has_powershell_to_check():
    names = {path.name for path in powershell_files()}
    assert {"mars_agent_install.ps1", "mars_agent_registration.ps1", "mars_backup_policy.ps1", "MarsAgent.psm1",
            "backup_server_registration.ps1", "backup_server_info.ps1", "BackupServer.psm1"} <= names


@pytest.mark.parametrize("relative", BACKUP_SERVER_FILES)
def test_a_damaged_copy_of_each_backup_server_file_fails(relative):
    """The check sees these files' own constructs break: the last closing brace dropped, or the first opening one."""
    source = (ROOT / relative).read_bytes()
    assert syntax_problems(source) == []
    last_brace = source.rindex(b"}")
    assert syntax_problems(source[:last_brace] + source[last_brace + 1:]), relative
    code_start = source.index(b"\n\n", source.index(b"GNU General Public License"))  # past the header comment
    first_brace = source.index(b"{", code_start)
    assert syntax_problems(source[:first_brace] + source[first_brace + 1:]), relative


@pytest.mark.parametrize("path", powershell_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_powershell_file_parses(path):
    assert syntax_problems(path.read_bytes()) == []


@pytest.mark.parametrize("broken", [
    b"if ($x -eq 1) {\n    Write-Output 'open brace never closed'\n",
    b"$spec = @{ options = @{ a = @{ type = 'str' } }\n",
    b"Function Get-Thing {\n    param([string]$Name\n}\n",
    b"$text = \"never closed\n",
    b"try { Get-Item x } catch { } finally {",
    b"$spec = @{ required_together = @(, @('proxy_server', 'proxy_port') }\n",
    b"$null = Set-DPMCloudSubscriptionSetting -DPMServerName $name -SubscriptionSetting $s @{ Commit = $true\n",
    b"$module.FailJson(\"staging_area_path $($module.Params.staging_area_path is not a folder\")\n",
])
def test_the_checker_fails_broken_powershell(broken):
    assert syntax_problems(broken), broken


def test_the_checker_accepts_ansible_basic_idioms():
    source = (b"#AnsibleRequires -CSharpUtil Ansible.Basic\n"
              b"$spec = @{ options = @{ a = @{ type = 'str'; no_log = $true } }; supports_check_mode = $true }\n"
              b"$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)\n"
              b"try { $null = Get-Item -LiteralPath $module.Params.a -ErrorAction Stop } catch { $module.FailJson(\"x: $($_.Exception.Message)\", $_) }\n"
              b"$module.ExitJson()\n")
    assert syntax_problems(source) == []
