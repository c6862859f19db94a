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
      - V(auto) uses the sign-in options when given (O(secret), O(x509_certificate_path) or O(ad_user)/O(password), with
        O(client_id) and O(tenant)), then O(profile) (or C(AZURE_PROFILE)), then the environment variables
        C(AZURE_CLIENT_ID), C(AZURE_SECRET) (or C(AZURE_CLIENT_SECRET)), C(AZURE_TENANT) (or C(AZURE_TENANT_ID))
        that AWX's Microsoft Azure Resource Manager credential and azure.azcollection use, then
        C(AZURE_X509_CERTIFICATE_PATH), then C(AZURE_AD_USER)/C(AZURE_PASSWORD), then the C([default]) profile of
        C(~/.azure/credentials) when it names a subscription, then azure-identity's own chain (client certificate via
        C(AZURE_CLIENT_CERTIFICATE_PATH), workload identity, managed identity, Azure CLI login).
      - One way to sign in comes whole from one place (options, else the profile, else the environment).
      - V(env) uses only the environment variables above.
      - V(credential_file) uses a profile of C(~/.azure/credentials), O(profile) or C(AZURE_PROFILE), else C([default]).
      - V(cli) uses the Azure CLI's current login (C(az login)).
      - V(msi) uses the managed identity of the machine the task runs on (O(client_id) picks a user-assigned identity).
      - V(workload_identity) uses a federated token (C(AZURE_FEDERATED_TOKEN_FILE)), as on AKS or in GitHub Actions.
      - Falls back to C(ANSIBLE_AZURE_AUTH_SOURCE) (as azure.azcollection), then V(auto).
    type: str
    choices: [auto, env, cli, msi, workload_identity, credential_file]
  profile:
    description:
      - A profile (INI section) of C(~/.azure/credentials), as azure.azcollection reads it. Its keys are named as these
        options (C(subscription_id), C(client_id), C(secret), C(tenant), C(ad_user), C(password), C(cloud_environment),
        C(cert_validation_mode), C(adfs_authority_url), C(x509_certificate_path), C(thumbprint), C(disable_instance_discovery)).
      - Options given to the task win over the profile's keys, and the profile's keys over the environment.
      - Falls back to C(AZURE_PROFILE). Cannot be combined with O(secret), O(x509_certificate_path) or O(ad_user).
    type: str
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
  x509_certificate_path:
    description:
      - PEM file holding a service principal's certificate and its private key (as azure.azcollection expects it), to sign in
        with O(client_id) and O(tenant) instead of a secret. Falls back to C(AZURE_X509_CERTIFICATE_PATH).
    type: path
  thumbprint:
    description:
      - SHA-1 thumbprint of the certificate in O(x509_certificate_path). Optional here (azure-identity reads the certificate
        itself); when given, the task fails before any request unless it matches. Falls back to C(AZURE_THUMBPRINT).
    type: str
  ad_user:
    description:
      - User name, to sign in as an Entra ID user (no multi-factor authentication) instead of a service principal, with O(password).
        O(client_id) defaults to the Azure CLI's. Falls back to C(AZURE_AD_USER).
    type: str
  password:
    description:
      - Password of O(ad_user). Falls back to C(AZURE_PASSWORD). Never logged.
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
      - Override the sign-in authority host (for example C(https://login.microsoftonline.us), or an AD FS authority with
        O(tenant=adfs)). Normally derived from O(cloud_environment).
      - Falls back to C(AZURE_AUTHORITY_HOST), then C(AZURE_ADFS_AUTHORITY_URL).
    type: str
    aliases: [adfs_authority_url]
  disable_instance_discovery:
    description:
      - Do not ask C(login.microsoftonline.com) to validate the authority (instance discovery), as for a private cloud or
        Azure Stack whose authority it does not know. Always on for a custom cloud (a C(https://) O(cloud_environment)).
      - Falls back to C(AZURE_DISABLE_INSTANCE_DISCOVERY), then V(false).
    type: bool
  ca_bundle:
    description:
      - PEM file of certificate authorities to trust for Azure AD and Resource Manager, for a private cloud
        or TLS-inspecting proxy. Without it, C(REQUESTS_CA_BUNDLE) or the system trust store applies.
    type: path
  cert_validation_mode:
    description:
      - V(validate) checks the TLS certificates of Azure AD and Resource Manager (the default).
      - V(ignore) does not check them, as azure.azcollection's option does (the task warns). Prefer O(ca_bundle), which
        cannot be combined with V(ignore).
      - Falls back to C(AZURE_CERT_VALIDATION_MODE), then V(validate).
    type: str
    choices: [validate, ignore]
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
      - Keep Azure AD tokens between tasks, so each task does not sign in again (service principal with a secret or
        certificate, or user name and password). Uses azure-identity's persistent token cache, named C(azure_backup.recovery_services).
      - V(none) keeps tokens only for the task that got them.
      - V(encrypted) keeps them encrypted by the operating system (Keychain, DPAPI, or libsecret on Linux); the task
        fails if no such store is available, as on most servers and execution environments.
      - V(unencrypted) keeps them in a file readable only by the user running Ansible (C(~/.IdentityService/)).
        Anyone who can read that file can act as the principal until the tokens expire (about an hour).
      - With V(unencrypted) on Linux, a service principal's task finds its token in that file without loading azure-identity
        (a quicker task); it signs in again when the token has less than 5 minutes left or Azure rejects it.
      - Falls back to C(AZURE_BACKUP_TOKEN_CACHE), then V(none).
    type: str
    choices: [none, encrypted, unencrypted]
  api_profile:
    description:
      - Accepted so azure.azcollection's C(module_defaults) work unchanged, and ignored (with a warning unless V(latest)),
        since each module calls the Azure API version it is tested with.
    type: str
  log_mode:
    description:
      - Accepted for azure.azcollection's C(module_defaults) and ignored. Use C(-vvv) and C(ANSIBLE_DEBUG) instead.
    type: str
  log_path:
    description:
      - Accepted for azure.azcollection's C(module_defaults) and ignored.
    type: str
requirements:
  - python >= 3.11
  - azure-identity >= 1.27.0
notes:
  - Set authentication once for every module with
    C(module_defaults) and the action group C(group/azure_backup.recovery_services.all). The authentication options of
    azure.azcollection (C(group/azure.azcollection.azure)) are accepted under the same names.
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
