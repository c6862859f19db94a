"""What Azure Resource Manager refuses before a resource provider sees the request.

- A subscription id that is not a GUID: 400 ``InvalidSubscriptionId`` ("The provided subscription
  identifier '...' is malformed or invalid.", quoted in velero#2987, terraform-provider-azurerm#25954,
  Azure/apiops#460).
- A location the resource type is not offered in: 400 ``LocationNotAvailableForResourceType``, the
  message listing the available regions (ARM's documented answer, "Resolve errors for SKU/location
  not available").
- Tags beyond ARM's limits (learn.microsoft.com, "Use tags to organize your Azure resources",
  Limitations: 50 tags, names 1-512 characters without ``< > % & \\ ? /``, values up to 256):
  ``InvalidTagValueLength`` (message quoted in Azure-Samples/azure-search-openai-demo#1997),
  ``InvalidTagNameLength`` and ``InvalidTagNameCharacters`` (same pattern; wording inferred), and
  ``InvalidTagCount`` for more than 50 (code inferred).

- A backup policy time zone that is not a Windows time zone id: 400 ``UserErrorInvalidRequestParameter``
  ("Parameter NO_PARAM in request is invalid...", the answer quoted in 2i2c-org/infrastructure#4414 for a
  wrong time zone). The ids are in windows_time_zones.txt (Unicode CLDR's windowsZones.xml).

``AZURE_REGIONS`` is the public cloud's physical regions as ``az account list-locations`` and
learn.microsoft.com's region list name them; the emulator serves it at
``GET /subscriptions/{s}/locations`` and Recovery Services vaults are offered in all of them.
"""

import re
from pathlib import Path

from .errors import ArmError

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_TAGS, MAX_TAG_NAME, MAX_TAG_VALUE = 50, 512, 256
TAG_NAME_RESERVED = "<>%&\\?/"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

WINDOWS_TIME_ZONES = frozenset(line.strip() for line in (Path(__file__).parent / "windows_time_zones.txt").read_text(encoding="utf-8").splitlines()
                               if line.strip() and not line.startswith("#"))

AZURE_REGIONS = {
    "eastus": "East US", "eastus2": "East US 2", "southcentralus": "South Central US", "westus2": "West US 2", "westus3": "West US 3",
    "australiaeast": "Australia East", "southeastasia": "Southeast Asia", "northeurope": "North Europe", "swedencentral": "Sweden Central",
    "uksouth": "UK South", "westeurope": "West Europe", "centralus": "Central US", "southafricanorth": "South Africa North",
    "centralindia": "Central India", "eastasia": "East Asia", "indonesiacentral": "Indonesia Central", "japaneast": "Japan East",
    "japanwest": "Japan West", "koreacentral": "Korea Central", "malaysiawest": "Malaysia West", "newzealandnorth": "New Zealand North",
    "canadacentral": "Canada Central", "austriaeast": "Austria East", "francecentral": "France Central",
    "germanywestcentral": "Germany West Central", "italynorth": "Italy North", "norwayeast": "Norway East", "polandcentral": "Poland Central",
    "spaincentral": "Spain Central", "switzerlandnorth": "Switzerland North", "mexicocentral": "Mexico Central", "uaenorth": "UAE North",
    "brazilsouth": "Brazil South", "chilecentral": "Chile Central", "israelcentral": "Israel Central", "qatarcentral": "Qatar Central",
    "northcentralus": "North Central US", "westus": "West US", "westcentralus": "West Central US", "southafricawest": "South Africa West",
    "australiacentral": "Australia Central", "australiacentral2": "Australia Central 2", "australiasoutheast": "Australia Southeast",
    "jioindiawest": "Jio India West", "jioindiacentral": "Jio India Central", "koreasouth": "Korea South", "southindia": "South India",
    "westindia": "West India", "canadaeast": "Canada East", "francesouth": "France South", "germanynorth": "Germany North",
    "norwaywest": "Norway West", "switzerlandwest": "Switzerland West", "ukwest": "UK West", "uaecentral": "UAE Central",
    "brazilsoutheast": "Brazil Southeast",
}


def check_subscription_id(subscription_id):
    if not GUID.match(subscription_id):
        raise ArmError(400, "InvalidSubscriptionId", f"The provided subscription identifier '{subscription_id}' is malformed or invalid.")


def check_location(location, resource_type):
    """``location`` as the request gave it; ARM compares it without spaces and case."""
    if "".join(str(location).split()).lower() not in AZURE_REGIONS:
        raise ArmError(400, "LocationNotAvailableForResourceType",
                       f"The provided location '{location}' is not available for resource type '{resource_type}'. "
                       f"List of available regions for the resource type is '{','.join(AZURE_REGIONS)}'.")


def check_tags(tags):
    tags = tags or {}
    if len(tags) > MAX_TAGS:
        raise ArmError(400, "InvalidTagCount", f"The number of tags '{len(tags)}' exceeds the maximum of '{MAX_TAGS}' tags per resource.")
    reserved = [name for name in tags if any(char in TAG_NAME_RESERVED for char in name) or CONTROL.search(name)]
    if reserved:
        raise ArmError(400, "InvalidTagNameCharacters",
                       f"The tag names '{','.join(reserved)}' have reserved characters '<,>,%,&,\\,?,/' or control characters.")
    for name, value in tags.items():
        if not name or len(name) > MAX_TAG_NAME:
            raise ArmError(400, "InvalidTagNameLength", f"Tag name too large. Following tag name '{name}' exceeded the maximum length. "
                                                        f"Maximum allowed length for tag name - '{MAX_TAG_NAME}' characters.")
        if len(str(value)) > MAX_TAG_VALUE:
            raise ArmError(400, "InvalidTagValueLength", f"Tag value too large.  Following tag value '{value}' exceeded the maximum length. "
                                                         f"Maximum allowed length for tag value - '{MAX_TAG_VALUE}' characters.")


def check_time_zone(time_zone):
    """``timeZone`` of a backup policy; unset means UTC. Compared without case, as Windows does."""
    if time_zone is not None and str(time_zone).lower() not in {zone.lower() for zone in WINDOWS_TIME_ZONES}:
        raise ArmError(400, "UserErrorInvalidRequestParameter",
                       "Parameter NO_PARAM in request is invalid. Please provide correct value for parameter NO_PARAM")


def location_list(subscription_id):
    """The body of ``GET /subscriptions/{s}/locations``: the public regions, as Location objects."""
    return [{"id": f"/subscriptions/{subscription_id}/locations/{name}", "name": name, "displayName": display,
             "type": "Region",
             "metadata": {"regionType": "Physical", "regionCategory": "Recommended"}}
            for name, display in AZURE_REGIONS.items()]
