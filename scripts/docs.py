"""Generate docs/modules/<module>.md from each module's own documentation (ansible-doc --json).

    .venv/bin/python scripts/docs.py           # rewrite the pages
    .venv/bin/python scripts/docs.py --check   # fail if a page is out of date (the test suite runs this)

Ansible's markup in the documentation (O(option), V(value), C(code), M(module), RV(return value),
I(), B(), U(), L(), E()) is rendered by antsibull-docs-parser, the library antsibull-docs and
ansible-doc's validators use, so the pages show formatted text: options and return values link to
their row (on the same page or another module's page), M() to the module's page, modules of other
collections to docs.ansible.com. antsibull-docs-parser comes from the release tools' venv
(scripts/tool_venv.sh, pinned in scripts/tools/requirements.txt) when the running Python lacks it;
ansible-doc is always the one beside the running Python, i.e. the tested ansible-core.
"""

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMESPACE = "azure_backup.recovery_services"
PAGES = ROOT / "docs" / "modules"
DOCSITE = "https://docs.ansible.com/ansible/latest/collections"


def load_parser():
    """antsibull_docs_parser's modules, from the running Python or else from the release tools' venv."""
    try:
        import antsibull_docs_parser  # noqa: F401  pylint: disable=unused-import
    except ImportError:
        tools_bin = subprocess.run([str(ROOT / "scripts" / "tool_venv.sh")], check=True, capture_output=True, text=True).stdout.strip()
        # Appended, so the running venv's packages win over the tool venv's.
        sys.path.extend(glob.glob(str(Path(tools_bin).parent / "lib" / "python3*" / "site-packages")))
    from antsibull_docs_parser import dom, md, parser
    from antsibull_docs_parser.format import LinkProvider
    return dom, md, parser, LinkProvider


DOM, MARKDOWN, PARSER, LINK_PROVIDER = load_parser()


def anchor(what, path):
    """The id of an option's or return value's row: option-vms-name for the suboption vms.name."""
    return ("option-" if what == "option" else "return-") + "-".join(path)


class PageLinks(LINK_PROVIDER):
    """Links from markup: this collection's modules to their pages, other collections' to docs.ansible.com."""

    def plugin_link(self, plugin):
        namespace, collection, name = plugin.fqcn.split(".", 2)
        if f"{namespace}.{collection}" == NAMESPACE:
            if (ROOT / "plugins" / "modules" / f"{name}.py").exists():
                return f"{name}.md"
            # M() naming one of the roles: its README.
            return f"../../roles/{name}/README.md" if (ROOT / "roles" / name / "README.md").exists() else None
        return f"{DOCSITE}/{namespace}/{collection}/{name}_{plugin.type}.html"

    def plugin_option_like_link(self, plugin, entrypoint, what, name, current_plugin):
        if current_plugin:
            return f"#{anchor(what, name)}"
        page = self.plugin_link(plugin)
        if page is None or not page.endswith(".md"):
            return None
        return f"{page}#{anchor(what, name)}"


LINKS = PageLinks()


def markup(text, name, separator="\n\n"):
    """Ansible markup (a string or a list of paragraphs) of module `name` as Markdown."""
    plugin = DOM.PluginIdentifier(fqcn=f"{NAMESPACE}.{name}", type="module")
    paragraphs = PARSER.parse(text or "", PARSER.Context(current_plugin=plugin), errors="exception", strict=True)
    return MARKDOWN.to_md(paragraphs, link_provider=LINKS, current_plugin=plugin, par_sep=separator)


def cell(text, name):
    """Markup for a table cell: paragraphs separated by <br><br>, no line breaks."""
    return markup(text, name, separator="<br><br>").replace("\n", " ")


def code(value):
    return f"<code>{MARKDOWN.md_escape(json.dumps(value) if not isinstance(value, str) else value)}</code>"


def ansible_doc(names):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"))
    command = [str(Path(sys.executable).parent / "ansible-doc"), "-t", "module", "--json"] + [f"{NAMESPACE}.{name}" for name in names]
    result = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"ansible-doc failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def module_names():
    return sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if not path.stem.startswith("_"))


def option_rows(name, options, path=()):
    rows = []
    for option_name in sorted(options):
        option = options[option_name]
        here = path + (option_name,)
        kind = option.get("type", "str") + (f" / elements={option['elements']}" if option.get("elements") else "")
        choices = ", ".join(code(choice) for choice in option.get("choices", []))
        default = "" if option.get("default") is None else code(option["default"])
        required = "yes" if option.get("required") else ""
        aliases = option.get("aliases") or []
        label = f'<a id="{anchor("option", here)}"></a>`{".".join(here)}`' + (f"<br>aliases: {', '.join(aliases)}" if aliases else "")
        description = cell(option.get("description"), name) + (" (never logged)" if option.get("no_log") else "")
        rows.append(f"| {label} | {kind} | {required} | {default} | {choices} | {description} |")
        rows.extend(option_rows(name, option.get("suboptions") or {}, here))
    return rows


def return_rows(name, returns, path=()):
    rows = []
    for key in sorted(returns or {}):
        value = returns[key]
        here = path + (key,)
        label = f'<a id="{anchor("retval", here)}"></a>`{".".join(here)}`'
        rows.append(f"| {label} | {value.get('type', '')} | {cell(value.get('returned'), name)} | {cell(value.get('description'), name)} |")
        rows.extend(return_rows(name, value.get("contains") or {}, here))
    return rows


def attribute_rows(name, attributes):
    return [f"| `{key}` | {attributes[key].get('support', '')} | {cell(attributes[key].get('description'), name)} |" for key in sorted(attributes)]


def see_also(name, entries):
    lines = []
    for entry in entries:
        if entry.get("module"):
            target = markup(f"M({entry['module']})", name)
        elif entry.get("link"):
            target = f"[{MARKDOWN.md_escape(entry.get('name') or entry['link'])}]({entry['link']})"
        else:
            target = MARKDOWN.md_escape(entry.get("name") or entry.get("ref", ""))
        description = markup(entry["description"], name, separator=" ") if entry.get("description") else ""
        lines.append(f"- {target}" + (f": {description}" if description else ""))
    return lines


def bullets(items, name):
    return [f"- {markup(item, name, separator=' ')}" for item in items]


def render(name, data):
    doc = data["doc"]
    lines = [f"# {NAMESPACE}.{name}", "", markup(doc.get("short_description", ""), name), "",
             "<!-- Generated by scripts/docs.py from the module's documentation. Do not edit. -->", ""]
    if doc.get("version_added"):
        lines += [f"New in {NAMESPACE} {doc['version_added']}.", ""]
    lines += ["## Description", ""] + bullets(doc.get("description") or [], name)
    if doc.get("requirements"):
        lines += ["", "## Requirements", ""] + [f"- {MARKDOWN.md_escape(line)}" for line in doc["requirements"]]
    lines += ["", "## Options", "", "| Option | Type | Required | Default | Choices | Description |", "|---|---|---|---|---|---|"]
    lines += option_rows(name, doc.get("options") or {})
    if doc.get("attributes"):
        lines += ["", "## Attributes", "", "| Attribute | Support | Description |", "|---|---|---|"]
        lines += attribute_rows(name, doc["attributes"])
    if doc.get("notes"):
        lines += ["", "## Notes", ""] + bullets(doc["notes"], name)
    if doc.get("seealso"):
        lines += ["", "## See also", ""] + see_also(name, doc["seealso"])
    lines += ["", "## Examples", "", "```yaml", (data.get("examples") or "").strip(), "```"]
    if data.get("return"):
        lines += ["", "## Return values", "", "| Key | Type | Returned | Description |", "|---|---|---|---|"]
        lines += return_rows(name, data["return"])
    return "\n".join(lines) + "\n"


def index(names, docs):
    rows = [f"| [{NAMESPACE}.{name}]({name}.md) | {markup(docs[f'{NAMESPACE}.{name}']['doc'].get('short_description', ''), name)} |"
            for name in names]
    return "\n".join(["# Module reference", "", "| Module | Does |", "|---|---|"] + rows) + "\n"


def main():
    check = "--check" in sys.argv
    names = module_names()
    docs = ansible_doc(names)
    pages = {PAGES / f"{name}.md": render(name, docs[f"{NAMESPACE}.{name}"]) for name in names}
    pages[PAGES / "README.md"] = index(names, docs)
    if check:
        stale = [str(page.relative_to(ROOT)) for page, content in pages.items()
                 if not page.exists() or page.read_text(encoding="utf-8") != content]
        if stale:
            sys.exit("out of date (run .venv/bin/python scripts/docs.py): " + ", ".join(stale))
        return
    PAGES.mkdir(parents=True, exist_ok=True)
    for page, content in pages.items():
        page.write_text(content, encoding="utf-8")


if __name__ == "__main__":
    main()
