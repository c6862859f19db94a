# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Authentication and cloud options shared by every module of the collection."""

    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - How to sign in to Azure.
      - V(auto) uses O(client_id)/O(secret)/O(tenant) when given, then the environment variables
        C(AZURE_CLIENT_ID), C(AZURE_SECRET) (or C(AZURE_CLIENT_SECRET)), C(AZURE_TENANT) (or C(AZURE_TENANT_ID))
        that AWX's Microsoft Azure Resource Manager credential and azure.azcollection use, then
        C(AZURE_AD_USER)/C(AZURE_PASSWORD), then azure-identity's own chain (client certificate via
        C(AZURE_CLIENT_CERTIFICATE_PATH), workload identity, managed identity, Azure CLI login).
      - V(env) uses only the environment variables above.
      - V(cli) uses the Azure CLI's current login (C(az login)).
      - V(msi) uses the managed identity of the machine the task runs on (O(client_id) picks a user-assigned identity).
      - V(workload_identity) uses a federated token (C(AZURE_FEDERATED_TOKEN_FILE)), as on AKS or in GitHub Actions.
    type: str
    default: auto
    choices: [auto, env, cli, msi, workload_identity]
  subscription_id:
    description:
      - The Azure subscription. Falls back to C(AZURE_SUBSCRIPTION_ID).
    type: str
  client_id:
    description:
      - Service principal application (client) id. Falls back to C(AZURE_CLIENT_ID).
    type: str
  secret:
    description:
      - Service principal secret. Falls back to C(AZURE_SECRET), then C(AZURE_CLIENT_SECRET).
      - Never logged.
    type: str
  tenant:
    description:
      - Azure AD (Entra ID) tenant id. Falls back to C(AZURE_TENANT), then C(AZURE_TENANT_ID).
    type: str
  cloud_environment:
    description:
      - V(AzureCloud), V(AzureUSGovernment), V(AzureChinaCloud), or the C(https://) URL of a custom
        cloud's Resource Manager endpoint (Azure Stack, a sovereign cloud, or this collection's emulator).
        For a URL, the endpoints and sign-in authority are read from its C(/metadata/endpoints) document.
      - Falls back to C(AZURE_CLOUD_ENVIRONMENT), then V(AzureCloud).
    type: str
  authority:
    description:
      - Override the sign-in authority host (for example C(https://login.microsoftonline.us)).
        Normally derived from O(cloud_environment). Falls back to C(AZURE_AUTHORITY_HOST).
    type: str
  ca_bundle:
    description:
      - PEM file of certificate authorities to trust for Azure AD and Resource Manager, for a private cloud
        or TLS-inspecting proxy. Without it, C(REQUESTS_CA_BUNDLE) or the system trust store applies.
    type: path
  retry_timeout:
    description:
      - Seconds one request to Azure may spend retrying throttling (429), server errors (5xx) and dropped
        connections before the task fails. Waits follow Azure's C(Retry-After), however many retries that takes.
      - Applies to reads, PUT and DELETE, the cloud metadata fetch, and the POST actions that are safe to repeat
        (C(backupStatus), C(backupPreValidateProtection), C(backupValidateFeatures), C(refreshContainers), an on-demand backup).
      - V(0) turns retries off. Falls back to C(AZURE_BACKUP_RETRY_TIMEOUT), then V(300).
    type: int
  token_cache:
    description:
      - Keep Azure AD tokens between tasks, so each task does not sign in again (service principal with a secret,
        or user name and password). Uses azure-identity's persistent token cache, named C(azure_backup.recovery_services).
      - V(none) keeps tokens only for the task that got them.
      - V(encrypted) keeps them encrypted by the operating system (Keychain, DPAPI, or libsecret on Linux); the task
        fails if no such store is available, as on most servers and execution environments.
      - V(unencrypted) keeps them in a file readable only by the user running Ansible (C(~/.IdentityService/)).
        Anyone who can read that file can act as the principal until the tokens expire (about an hour).
      - Falls back to C(AZURE_BACKUP_TOKEN_CACHE), then V(none).
    type: str
    choices: [none, encrypted, unencrypted]
requirements:
  - python >= 3.11
  - azure-identity >= 1.27.0
notes:
  - Set authentication once for every module with
    C(module_defaults) and the action group C(group/azure_backup.recovery_services.all).
  - See the collection's C(docs/authentication.md) for every way to sign in, including AWX.
  - A custom cloud's C(/metadata/endpoints) document is public; it is cached for an hour in
    C($XDG_CACHE_HOME/azure_backup.recovery_services/) (default C(~/.cache/...)), or C(AZURE_BACKUP_CACHE_DIR).
  - Requests are paced by Azure's C(x-ms-ratelimit-remaining-subscription-*) headers, so a large run slows down
    before Azure throttles it.
"""

    WAIT = r"""
options:
  wait:
    description:
      - Wait for Azure's long-running operations to finish before returning.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for a long-running operation. Polls follow Azure's C(Retry-After); where
        Azure sends none (its Backup operations), the first poll comes after 1 second and the interval grows to 15 seconds.
    type: int
    default: 1800
"""

    VAULT = r"""
options:
  vault_name:
    description: Name of the Recovery Services vault.
    type: str
    required: true
    aliases: [recovery_vault_name]
  resource_group:
    description: Resource group of the vault.
    type: str
    required: true
"""
