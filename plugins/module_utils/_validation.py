# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of user input that Azure would refuse, run before any write.

Each ``check_*`` function raises ``Refusal`` with a message that names the option and says what
is allowed; it returns the value (normalised where that helps the caller). Pure: no Azure call.
The limits come from Azure's documentation, cited beside each rule.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import parse_time
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import resolve_vm_ref
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal


def is_valid_resource_id(value):
    """azure.mgmt.core's check of an ARM id, imported on first use: importing it costs a task ~0.1 s it rarely needs."""
    from azure.mgmt.core.tools import is_valid_resource_id as is_valid  # pylint: disable=import-outside-toplevel

    return is_valid(value)


def arm_id_parts(value):
    """azure.mgmt.core's parse of an ARM id (namespace, type, name, child_type_1, ...), imported on first use."""
    from azure.mgmt.core.tools import parse_resource_id  # pylint: disable=import-outside-toplevel

    return parse_resource_id(value)


GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Resource group names: 1-90 letters, digits, underscores, parentheses, hyphens and periods (Unicode
# letters and digits count), not ending in a period. Source: learn.microsoft.com, "Naming rules and
# restrictions for Azure resources", Microsoft.Resources/resourcegroups.
RESOURCE_GROUP_NAME = re.compile(r"^[-\w.()]{1,90}$")

# Tags: at most 50 per resource, names 1-512 characters without < > % & \ ? /, values up to 256
# characters. Source: learn.microsoft.com, "Use tags to organize your Azure resources", Limitations.
MAX_TAGS = 50
MAX_TAG_NAME = 512
MAX_TAG_VALUE = 256
TAG_NAME_FORBIDDEN = "<>%&\\?/"

# Characters that cannot appear in a name Azure puts in a URL path segment (child resource names:
# policies, diagnostic settings). Control characters (newline, tab) are refused too.
NAME_FORBIDDEN = "/\\?#%"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Windows time zone ids, the ones Azure Backup policies take (schedule "timeZone"): every Windows
# zone of the Unicode CLDR mapping (common/supplemental/windowsZones.xml, territory 001), which
# Microsoft keeps in step with Windows' time zone registry.
WINDOWS_TIME_ZONES = frozenset((
    "AUS Central Standard Time", "AUS Eastern Standard Time", "Afghanistan Standard Time", "Alaskan Standard Time", "Aleutian Standard Time",
    "Altai Standard Time", "Arab Standard Time", "Arabian Standard Time", "Arabic Standard Time", "Argentina Standard Time",
    "Astrakhan Standard Time", "Atlantic Standard Time", "Aus Central W. Standard Time", "Azerbaijan Standard Time", "Azores Standard Time",
    "Bahia Standard Time", "Bangladesh Standard Time", "Belarus Standard Time", "Bougainville Standard Time", "Canada Central Standard Time",
    "Cape Verde Standard Time", "Caucasus Standard Time", "Cen. Australia Standard Time", "Central America Standard Time",
    "Central Asia Standard Time", "Central Brazilian Standard Time", "Central Europe Standard Time", "Central European Standard Time",
    "Central Pacific Standard Time", "Central Standard Time", "Central Standard Time (Mexico)", "Chatham Islands Standard Time",
    "China Standard Time", "Cuba Standard Time", "Dateline Standard Time", "E. Africa Standard Time", "E. Australia Standard Time",
    "E. Europe Standard Time", "E. South America Standard Time", "Easter Island Standard Time", "Eastern Standard Time",
    "Eastern Standard Time (Mexico)", "Egypt Standard Time", "Ekaterinburg Standard Time", "FLE Standard Time", "Fiji Standard Time",
    "GMT Standard Time", "GTB Standard Time", "Georgian Standard Time", "Greenland Standard Time", "Greenwich Standard Time", "Haiti Standard Time",
    "Hawaiian Standard Time", "India Standard Time", "Iran Standard Time", "Israel Standard Time", "Jordan Standard Time",
    "Kaliningrad Standard Time", "Korea Standard Time", "Libya Standard Time", "Line Islands Standard Time", "Lord Howe Standard Time",
    "Magadan Standard Time", "Magallanes Standard Time", "Marquesas Standard Time", "Mauritius Standard Time", "Middle East Standard Time",
    "Montevideo Standard Time", "Morocco Standard Time", "Mountain Standard Time", "Mountain Standard Time (Mexico)", "Myanmar Standard Time",
    "N. Central Asia Standard Time", "Namibia Standard Time", "Nepal Standard Time", "New Zealand Standard Time", "Newfoundland Standard Time",
    "Norfolk Standard Time", "North Asia East Standard Time", "North Asia Standard Time", "North Korea Standard Time", "Omsk Standard Time",
    "Pacific SA Standard Time", "Pacific Standard Time", "Pacific Standard Time (Mexico)", "Pakistan Standard Time", "Paraguay Standard Time",
    "Qyzylorda Standard Time", "Romance Standard Time", "Russia Time Zone 10", "Russia Time Zone 11", "Russia Time Zone 3", "Russian Standard Time",
    "SA Eastern Standard Time", "SA Pacific Standard Time", "SA Western Standard Time", "SE Asia Standard Time", "Saint Pierre Standard Time",
    "Sakhalin Standard Time", "Samoa Standard Time", "Sao Tome Standard Time", "Saratov Standard Time", "Singapore Standard Time",
    "South Africa Standard Time", "South Sudan Standard Time", "Sri Lanka Standard Time", "Sudan Standard Time", "Syria Standard Time",
    "Taipei Standard Time", "Tasmania Standard Time", "Tocantins Standard Time", "Tokyo Standard Time", "Tomsk Standard Time", "Tonga Standard Time",
    "Transbaikal Standard Time", "Turkey Standard Time", "Turks And Caicos Standard Time", "US Eastern Standard Time", "US Mountain Standard Time",
    "UTC", "UTC+12", "UTC+13", "UTC-02", "UTC-08", "UTC-09", "UTC-11", "Ulaanbaatar Standard Time", "Venezuela Standard Time",
    "Vladivostok Standard Time", "Volgograd Standard Time", "W. Australia Standard Time", "W. Central Africa Standard Time",
    "W. Europe Standard Time", "W. Mongolia Standard Time", "West Asia Standard Time", "West Bank Standard Time", "West Pacific Standard Time",
    "Yakutsk Standard Time", "Yukon Standard Time",
))


def check_subscription_id(value, option="subscription_id"):
    """A subscription id is a GUID; Azure answers 400 InvalidSubscriptionId otherwise."""
    if value is not None and not GUID.match(str(value)):
        raise Refusal(f"{option} '{value}' is not a subscription id: use the subscription's GUID "
                      "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not its name")
    return value


def check_resource_group(value, option="resource_group"):
    """A resource group name as Azure allows it."""
    text = "" if value is None else str(value)
    if not RESOURCE_GROUP_NAME.match(text) or text.endswith(".") or text in (".", ".."):
        raise Refusal(f"{option} '{text}' is not a resource group name: use 1-90 letters, digits, underscores, "
                      "parentheses, hyphens or periods, not ending in a period")
    return text


def check_name(value, option, what):
    """A child resource name that can travel in a URL path: not empty, no / \\ ? # % or control characters."""
    text = "" if value is None else str(value)
    bad = sorted({char for char in text if char in NAME_FORBIDDEN}) + (["a control character (newline, tab)"] if CONTROL.search(text) else [])
    if not text.strip() or text in (".", "..") or bad:
        if bad:
            reason = f"it contains {', '.join(repr(char) if len(char) == 1 else char for char in bad)}"
        else:
            reason = "it is empty" if not text.strip() else f"'{text}' names a directory level, not a resource"
        raise Refusal(f"{option} {text!r} is not a valid {what} name: {reason}; use letters, digits, hyphens, underscores or periods")
    return text


def check_tags(tags, option="tags"):
    """Tags within Azure's limits; returns them with string values."""
    if tags is None:
        return None
    if len(tags) > MAX_TAGS:
        raise Refusal(f"{option} has {len(tags)} tags; Azure allows at most {MAX_TAGS} per resource")
    for name, value in tags.items():
        name, value = str(name), "" if value is None else str(value)
        if not name or len(name) > MAX_TAG_NAME:
            raise Refusal(f"{option}: tag name '{name[:40]}...' has {len(name)} characters; Azure allows 1 to {MAX_TAG_NAME}")
        forbidden = sorted({char for char in name if char in TAG_NAME_FORBIDDEN})
        if forbidden or CONTROL.search(name):
            shown = " ".join(forbidden) or "a control character"
            raise Refusal(f"{option}: tag name {name!r} contains {shown}; Azure refuses < > % & \\ ? / and control characters in tag names")
        if len(value) > MAX_TAG_VALUE:
            raise Refusal(f"{option}: the value of tag '{name}' has {len(value)} characters; Azure allows at most {MAX_TAG_VALUE}")
    return {str(name): "" if value is None else str(value) for name, value in tags.items()}


def check_resource_id(value, option, resource_type=None):
    """An ARM resource id (of ``resource_type``, e.g. 'Microsoft.OperationalInsights/workspaces', when given)."""
    example = f"/subscriptions/GUID/resourceGroups/RG/providers/{resource_type or 'NAMESPACE/TYPE'}/NAME"
    if not value or not is_valid_resource_id(str(value)):
        raise Refusal(f"{option} '{value}' is not a resource id: use the full id, {example}")
    if resource_type:
        parsed = arm_id_parts(str(value))
        found = f"{parsed.get('namespace')}/{parsed.get('type')}"
        if found.lower() != resource_type.lower():
            raise Refusal(f"{option} '{value}' is the id of a {found}, not of a {resource_type}: use {example}")
    return value


def check_location(value, offered, option="location"):
    """``value`` (normalised: 'West Europe' -> 'westeurope') must be one of the ``offered`` locations."""
    location = "".join(str(value or "").split()).lower()
    names = sorted({"".join(str(name).split()).lower() for name in offered})
    if location not in names:
        raise Refusal(f"{option} '{value}' is not a region this subscription offers; use one of: {', '.join(names)}")
    return location


def check_time_zone(value, option="time_zone"):
    """A Windows time zone id (as Azure Backup takes it); returns it spelled as Windows does."""
    if value is None:
        return None
    spelled = {zone.lower(): zone for zone in WINDOWS_TIME_ZONES}.get(str(value).strip().lower())
    if spelled is None:
        hint = "" if "/" not in str(value) else " (an IANA name like Europe/Berlin is not one: use W. Europe Standard Time)"
        raise Refusal(f"{option} '{value}' is not a Windows time zone id{hint}; use for example UTC, W. Europe Standard Time, "
                      "Pacific Standard Time (the list: tzutil /l on Windows)")
    return spelled


def _writable_directory(directory, option, path):
    if not os.path.isdir(directory):
        raise Refusal(f"{option}: {directory} is a file, not a directory; {path} cannot be written")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise Refusal(f"{option}: directory {directory} is not writable by this user; {path} cannot be written")


def check_output_directory(path, option, create=True):
    """A directory the module writes into: a writable directory, or (``create``) one that can be made under its nearest existing parent."""
    if path is None:
        return None
    full = os.path.abspath(os.path.expanduser(str(path)))
    existing = full
    while not os.path.exists(existing):
        if not create:
            raise Refusal(f"{option}: directory {full} does not exist; create it first")
        existing = os.path.dirname(existing)
    _writable_directory(existing, option, full)
    return full


def check_output_file(path, option, create_parents=False):
    """The module can write the file ``path``: not a directory, in a writable directory (made when ``create_parents``)."""
    if path is None:
        return None
    full = os.path.abspath(os.path.expanduser(str(path)))
    if os.path.isdir(full):
        raise Refusal(f"{option}: {path} is a directory; give the path of a file")
    check_output_directory(os.path.dirname(full), option, create=create_parents)
    if os.path.exists(full) and not os.access(full, os.W_OK):
        raise Refusal(f"{option}: {path} exists and is not writable")
    return full


def check_time(value, option):
    """A UTC datetime from the option's text (ISO 8601), None when unset; the refusal names the option."""
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as error:
        raise Refusal(f"{option}: {error}") from error


def check_time_window(params, now=None):
    """(start, end) of the ``start_time``/``end_time`` options; end defaults to now, (None, None) without a start."""
    start = check_time(params.get("start_time"), "start_time")
    if start is None:
        return None, None
    end = check_time(params.get("end_time"), "end_time") or now or datetime.now(timezone.utc)
    if end < start:
        raise Refusal(f"end_time {params['end_time']} is before start_time {params['start_time']}")
    return start, end


def check_wait_timeout(params):
    """``wait_timeout`` (the shared wait option) is 1 or more seconds."""
    timeout = params.get("wait_timeout")
    if timeout is not None and timeout <= 0:
        raise Refusal(f"wait_timeout must be 1 or more seconds, got {timeout}")
    return timeout


def check_max_parallel(params):
    """``max_parallel`` (how many requests a batch module sends at once) is 1 or more."""
    if params["max_parallel"] < 1:
        raise Refusal("max_parallel must be 1 or more")
    return params["max_parallel"]


def check_vm_ref(entry, subscription_id, option):
    """One VM reference (the ``vm`` doc fragment's form) resolved by ``resolve_vm_ref``; refused naming ``option``."""
    try:
        return resolve_vm_ref(entry, subscription_id)
    except ValueError as error:
        raise Refusal(f"{option}: {error}") from error


def check_policy_ref(value, option, subscription_id, resource_group, vault_name):
    """A backup policy by name, or by resource id (azure.azcollection's ``backup_policy_id``) -> its name.

    An id must name a policy of this very vault: a policy of another vault cannot protect its items.
    """
    if not value or "/" not in value:
        return value
    example = (f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.RecoveryServices/vaults/"
               f"{vault_name}/backupPolicies/NAME")
    parsed = arm_id_parts(value) if is_valid_resource_id(value) else {}
    name = parsed.get("child_name_1") if (parsed.get("child_type_1") or "").lower() == "backuppolicies" and parsed.get("last_child_num") == 1 else None
    if not name or (parsed.get("type") or "").lower() != "vaults" or (parsed.get("namespace") or "").lower() != "microsoft.recoveryservices":
        raise Refusal(f"{option} '{value}' is neither a policy name nor a backup policy id: use the name, or {example}")
    vault = (parsed.get("subscription", ""), parsed.get("resource_group", ""), parsed.get("name", ""))
    if tuple(part.lower() for part in vault) != (subscription_id.lower(), resource_group.lower(), vault_name.lower()):
        raise Refusal(f"{option} '{value}' is a policy of vault {vault[2]} (resource group {vault[1]}, subscription {vault[0]}), "
                      f"not of vault {vault_name}: a vault protects its items only with its own policies ({example})")
    return name


def check_vm_refs(entries, subscription_id, option):
    """A list of VM references (``vms``), each resolved; the first bad one is refused naming ``option``."""
    return [check_vm_ref(entry, subscription_id, option) for entry in entries or []]
