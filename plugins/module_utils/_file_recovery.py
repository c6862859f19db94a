# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""File recovery (item-level recovery) without Azure: what file_recovery_script writes, and how it finds it again.

Azure hands out a session's mount script in ``clientScripts``, with the session password hidden inside
``scriptNameSuffix``; these functions split the password out, decide Linux or Windows as Azure's own clients
do, build the file to write (the Linux script made to prompt for the password unless it is embedded), and
keep a small marker file beside it so a re-run reuses the session instead of provisioning another.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from datetime import timezone
from urllib.parse import urlsplit

SESSION_HOURS = 12
# Azure hides the password inside scriptNameSuffix: 15 characters, 33 after its last '_' (contract §4).
PASSWORD_OFFSET = 33
PASSWORD_LENGTH = 15
# The value Azure's own clients put in TargetPassword so the Linux script asks for the password.
PROMPT_MARKER = "UserInput012345"
TARGET_PASSWORD = re.compile(r'TargetPassword="[^"]*"')
MARKER_SUFFIX = ".file_recovery.json"
DOWNLOAD_TIMEOUT = 120


# --- the script and its password -----------------------------------------------------------

def iso_utc(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def split_suffix(suffix):
    """(file stem, password) from a ``scriptNameSuffix``: the password is 15 characters, 33 after the last ``_``."""
    start = (suffix or "").rfind("_") + PASSWORD_OFFSET
    if start < PASSWORD_OFFSET or len(suffix) < start + PASSWORD_LENGTH:
        raise ValueError("Azure's scriptNameSuffix does not carry the session password where Azure's clients expect it")
    return suffix[:start] + suffix[start + PASSWORD_LENGTH:], suffix[start:start + PASSWORD_LENGTH]


def safe_file_name(name):
    """Refuse a name that would leave the destination directory."""
    if not name or name in (".", "..") or os.path.basename(name) != name or "\\" in name:
        raise ValueError(f"Azure gave an unusable script file name {name!r}")
    return name


def os_type_of(client_scripts):
    """Windows when Azure gives two entries (the second links the executable), as Azure's clients decide."""
    return "Windows" if len(client_scripts) == 2 else "Linux"


def script_artefact(client_scripts, embed_password=False):
    """What to write for these ``clientScripts`` (mappings as Azure sends them).

    Returns ``{os_type, file_name, password, content (bytes or None), url}``; for Windows ``content`` is None
    and ``url`` names the executable.
    """
    if not client_scripts:
        raise ValueError("Azure returned no client script for the session")
    os_type = os_type_of(client_scripts)
    script = client_scripts[1] if os_type == "Windows" else client_scripts[0]
    stem, password = split_suffix(script.get("scriptNameSuffix"))
    file_name = safe_file_name(stem + (script.get("scriptExtension") or ""))
    if os_type == "Windows":
        if not script.get("url"):
            raise ValueError("Azure returned no download URL for the Windows executable")
        return {"os_type": os_type, "file_name": file_name, "password": password, "content": None, "url": script["url"]}
    served = base64.b64decode(script.get("scriptContent") or "")
    content = served if embed_password else prompting_script(served.decode("utf-8")).encode("utf-8")
    return {"os_type": os_type, "file_name": file_name, "password": password, "content": content, "url": None}


def prompting_script(text):
    """The Linux script with Azure's embedded password replaced by the prompt marker (what Azure's clients do)."""
    return TARGET_PASSWORD.sub(f'TargetPassword="{PROMPT_MARKER}"', text, count=1)


def parse_mode(mode):
    """An int file mode from ``0700``, ``'0700'``, ``'700'`` or 448; ValueError otherwise."""
    if isinstance(mode, int):
        value = mode
    else:
        text = str(mode).strip()
        if not re.fullmatch(r"0?o?[0-7]{3,4}", text):
            raise ValueError(f"mode must be octal such as '0700', got {mode!r}")
        value = int(text.replace("o", ""), 8)
    if not 0 <= value <= 0o7777:
        raise ValueError(f"mode must be octal such as '0700', got {mode!r}")
    return value


def operation_id(response):
    """The operation id: the last path segment of the Azure-AsyncOperation (or Location) URL."""
    url = response.headers.get("Azure-AsyncOperation") or response.headers.get("Location") or ""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or None


def marker_name(vm_name, point_id):
    return f".{vm_name}.{point_id}{MARKER_SUFFIX}"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def instructions(artefact, expires_at):
    """Short mount / unmount steps for the artefact. Never contains the password."""
    name = artefact["file_name"]
    closes = f"Azure closes the session at {expires_at}."
    if artefact["os_type"] == "Windows":
        return [
            f"Copy {name} to a Windows machine (Windows Server 2012 R2 / Windows 8.1 or later, outbound TCP 3260 to Azure) "
            "and run it as Administrator.",
            "Enter the session password when it asks (the task's password, or the password_file).",
            "The recovery point's volumes appear as new drive letters; copy the files you need.",
            f"Unmount: run this module with state=absent (it revokes the session and removes {name}). {closes}",
        ]
    return [
        f"Copy {name} to a Linux machine (the VM itself or one with a compatible distribution, python3, open-iscsi, "
        "outbound TCP 3260 to Azure).",
        f"Run: sudo python3 {name} and enter the session password when it asks (the task's password, or the password_file).",
        "The script mounts the recovery point's volumes under a folder beside it and prints their paths; copy the files you need.",
        f"Unmount: sudo python3 {name} clean, then run this module with state=absent to revoke the session. {closes}",
    ]


# --- the files on the controller -----------------------------------------------------------

def read_bytes(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def read_marker(dest, vm_name, point_id):
    data = read_bytes(os.path.join(dest, marker_name(vm_name, point_id)))
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def markers_of_vm(dest, vm_name):
    """{point id: marker} of every session file this module wrote for the VM in ``dest``."""
    prefix = f".{vm_name}."
    found = {}
    if os.path.isdir(dest):
        for entry in sorted(os.listdir(dest)):
            if entry.startswith(prefix) and entry.endswith(MARKER_SUFFIX):
                point_id = entry[len(prefix):-len(MARKER_SUFFIX)]
                marker = read_marker(dest, vm_name, point_id) if point_id.isdigit() else None
                if marker:
                    found[point_id] = marker
    return found


def download(url, ca_bundle):
    """The bytes at ``url`` (the executable Azure links), or None when it cannot be fetched.

    Uses requests, as the SDKs do, so ``ca_bundle``, REQUESTS_CA_BUNDLE and proxy variables apply alike.
    No Azure token is sent: the URL is a public download.
    """
    import requests  # pylint: disable=import-outside-toplevel

    try:
        response = requests.get(url, verify=ca_bundle or True, timeout=DOWNLOAD_TIMEOUT)
        response.raise_for_status()
        return response.content
    except requests.RequestException:
        return None
