"""The cloud metadata endpoint ``GET /metadata/endpoints`` that custom-cloud clients read first.

Three shapes exist, chosen by api-version:
- none, ``1.0`` or ``2015-01-01``: the old single object (``galleryEndpoint``, ``graphEndpoint``,
  ``portalEndpoint``, ``authentication {loginEndpoint, audiences}``), read by msrestazure's
  ``get_cloud_from_metadata_endpoint`` and Azure Stack tooling;
- ``2019-05-01`` up to ``2022-08-31`` (e.g. ``2020-06-01``): a JSON *list* of cloud objects
  (azure-cli's ``ARM_CLOUD_METADATA_URL`` loader iterates it; hashicorp/go-azure-helpers decodes
  2020-06-01 into a slice);
- ``2022-09-01`` and later: ONE cloud object (hashicorp/go-azure-sdk decodes 2022-09-01 into a struct).

``resourceManager`` and ``loginEndpoint`` point at the emulator; the audiences are the public
cloud's, so default SDK scopes work, and the emulator's own URL is accepted as an audience too.
"""

from armemu.core.auth import WELL_KNOWN_AUDIENCES
from armemu.core.http import json_response
from armemu.core.routing import route

CLOUD_NAME = "ArmEmulator"
LEGACY_VERSIONS = frozenset({"", "1.0", "2015-01-01"})
SINGLE_OBJECT_SINCE = "2022-09-01"


def cloud_object(endpoint):
    """One cloud in the newer format (field names as ARM's public metadata uses them)."""
    return {
        "portal": "https://portal.azure.com",
        "authentication": {
            "loginEndpoint": endpoint + "/",
            "audiences": [*WELL_KNOWN_AUDIENCES, endpoint + "/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": "https://rest.media.azure.net",
        "graphAudience": "https://graph.windows.net/",
        "graph": "https://graph.windows.net/",
        "name": CLOUD_NAME,
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net",
        },
        "batch": "https://batch.core.windows.net/",
        "resourceManager": endpoint + "/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
    }


def legacy_object(endpoint):
    """The old format (api-version 1.0 / none), as Azure Stack documents it."""
    return {
        "galleryEndpoint": "https://gallery.azure.com/",
        "graphEndpoint": "https://graph.windows.net/",
        "portalEndpoint": "https://portal.azure.com/",
        "authentication": {"loginEndpoint": endpoint + "/", "audiences": [*WELL_KNOWN_AUDIENCES, endpoint + "/"]},
    }


@route("GET", "/metadata/endpoints", kind="metadata")
def metadata_endpoints(req):
    version = req.api_version or ""
    endpoint = req.emu.endpoint
    if version in LEGACY_VERSIONS:
        return json_response(200, legacy_object(endpoint))
    if version >= SINGLE_OBJECT_SINCE:
        return json_response(200, cloud_object(endpoint))
    return json_response(200, [cloud_object(endpoint)])
