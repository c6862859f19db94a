"""azure.azcollection's authentication options and variables, mapped onto the client layer's settings."""

import datetime
import hashlib
import ssl

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _client as client

# azure.azcollection's common authentication options (its AZURE_COMMON_ARGS), as a user's module_defaults carry them.
AZCOLLECTION_MODULE_DEFAULTS = {
    "auth_source": "auto", "profile": None, "subscription_id": "sub", "client_id": "app", "secret": "s3cret", "tenant": "t1",
    "ad_user": None, "password": None, "cloud_environment": "AzureCloud", "cert_validation_mode": "validate", "api_profile": "latest",
    "adfs_authority_url": None, "log_mode": None, "log_path": None, "x509_certificate_path": None, "thumbprint": None,
    "disable_instance_discovery": False,
}


def write_profiles(tmp_path, text):
    path = tmp_path / "credentials"
    path.write_text(text)
    return str(path)


def test_azcollection_module_defaults_are_all_supported_options():
    result = ArgumentSpecValidator(client.AUTH_ARGUMENT_SPEC).validate(dict(AZCOLLECTION_MODULE_DEFAULTS))
    assert not result.error_messages
    assert result.validated_parameters["secret"] == "s3cret"
    assert "s3cret" in result._no_log_values  # pylint: disable=protected-access


def test_secrets_are_no_log():
    assert client.AUTH_ARGUMENT_SPEC["secret"]["no_log"] and client.AUTH_ARGUMENT_SPEC["password"]["no_log"]


def test_adfs_authority_url_is_the_authority_option():
    result = ArgumentSpecValidator(client.AUTH_ARGUMENT_SPEC).validate({"adfs_authority_url": "https://adfs.contoso.com/adfs"})
    assert not result.error_messages
    settings = client.resolve_settings(result.validated_parameters, {"AZURE_CLIENT_ID": "a", "AZURE_SECRET": "s"})
    assert settings["authority"] == "https://adfs.contoso.com/adfs"


def test_azcollection_environment_variables():
    settings = client.resolve_settings({}, {
        "ANSIBLE_AZURE_AUTH_SOURCE": "env", "AZURE_AD_USER": "user@contoso.com", "AZURE_PASSWORD": "pw", "AZURE_CERT_VALIDATION_MODE": "ignore",
        "AZURE_ADFS_AUTHORITY_URL": "https://adfs.contoso.com", "AZURE_DISABLE_INSTANCE_DISCOVERY": "true"})
    assert settings["auth_source"] == "env"
    assert (settings["ad_user"], settings["ad_password"]) == ("user@contoso.com", "pw")
    assert (settings["cert_validation_mode"], settings["authority"], settings["disable_instance_discovery"]) == ("ignore", "https://adfs.contoso.com", True)
    assert client.resolve_settings({"auth_source": "auto"}, {"ANSIBLE_AZURE_AUTH_SOURCE": "env", "AZURE_SECRET": "x"})["auth_source"] == "auto"


def test_certificate_variables():
    settings = client.resolve_settings({}, {"AZURE_X509_CERTIFICATE_PATH": "/c.pem", "AZURE_THUMBPRINT": "AB", "AZURE_CLIENT_ID": "a"})
    assert (settings["x509_certificate_path"], settings["thumbprint"], settings["secret"]) == ("/c.pem", "AB", None)


@pytest.mark.parametrize("variables, message", [
    ({"ANSIBLE_AZURE_AUTH_SOURCE": "keyring"}, "ANSIBLE_AZURE_AUTH_SOURCE must be one of auto"),
    ({"AZURE_CERT_VALIDATION_MODE": "sometimes", "AZURE_SECRET": "s"}, "cert_validation_mode .* must be validate or ignore"),
    ({"AZURE_DISABLE_INSTANCE_DISCOVERY": "perhaps", "AZURE_SECRET": "s"}, "disable_instance_discovery must be true or false"),
])
def test_bad_variables_name_themselves(variables, message):
    with pytest.raises(client.AzureConfigurationError, match=message):
        client.resolve_settings({}, variables)


def test_a_sign_in_method_comes_whole_from_one_place():
    environment = {"AZURE_CLIENT_ID": "awx-app", "AZURE_SECRET": "awx-secret", "AZURE_TENANT": "t1"}
    settings = client.resolve_settings({"x509_certificate_path": "/c.pem"}, environment)
    assert (settings["x509_certificate_path"], settings["secret"], settings["client_id"]) == ("/c.pem", None, "awx-app")
    settings = client.resolve_settings({"ad_user": "u", "password": "p"}, environment)
    assert (settings["ad_user"], settings["secret"]) == ("u", None)


@pytest.mark.parametrize("params, message", [
    ({"ad_user": "u"}, "ad_user and password go together"),
    ({"password": "p"}, "ad_user and password go together"),
    ({"thumbprint": "AB"}, "thumbprint names the certificate in x509_certificate_path"),
    ({"secret": "s", "x509_certificate_path": "/c.pem"}, "secret and x509_certificate_path are different ways to sign in"),
    ({"secret": "s", "ad_user": "u", "password": "p"}, "secret and ad_user/password are different ways to sign in"),
    ({"profile": "prod", "secret": "s"}, "profile and secret are different ways to sign in"),
    ({"auth_source": "msi", "secret": "s"}, "auth_source=msi does not use secret"),
    ({"auth_source": "cli", "profile": "prod"}, "auth_source=cli does not use profile"),
    ({"auth_source": "env", "profile": "prod"}, "auth_source=env reads only the environment"),
    ({"cert_validation_mode": "ignore", "ca_bundle": "/ca.pem"}, "cert_validation_mode=ignore .* ca_bundle"),
])
def test_contradictory_options_are_refused_by_name(params, message, tmp_path):
    with pytest.raises(client.AzureConfigurationError, match=message):
        client.resolve_settings(params, {}, credentials_file=str(tmp_path / "none"))


PROFILES = """
[default]
subscription_id = sub-default
client_id = app-default
secret = secret-default
tenant = tenant-default

[prod]
subscription_id = sub-prod
client_id = app-prod
secret = secret-prod
tenant = tenant-prod
cloud_environment = AzureUSGovernment
cert_validation_mode = validate
adfs_authority_url = https://login.microsoftonline.us
disable_instance_discovery = true
"""


def test_a_named_profile_gives_what_options_do_not(tmp_path):
    path = write_profiles(tmp_path, PROFILES)
    settings = client.resolve_settings({"profile": "prod", "subscription_id": "sub-option"}, {"AZURE_CLIENT_ID": "env-app"}, credentials_file=path)
    assert settings["profile"] == "prod"
    expected = ("sub-option", "app-prod", "secret-prod", "tenant-prod")
    assert (settings["subscription_id"], settings["client_id"], settings["secret"], settings["tenant"]) == expected
    assert (settings["cloud_environment"], settings["authority"], settings["disable_instance_discovery"]) == (
        "AzureUSGovernment", "https://login.microsoftonline.us", True)


def test_azure_profile_variable_names_the_profile(tmp_path):
    path = write_profiles(tmp_path, PROFILES)
    environment = {"AZURE_PROFILE": "prod", "AZURE_SECRET": "awx-secret", "AZURE_CLIENT_ID": "awx-app"}
    settings = client.resolve_settings({}, environment, credentials_file=path)
    assert (settings["client_id"], settings["secret"]) == ("app-prod", "secret-prod")


def test_credential_file_source_reads_the_default_profile(tmp_path):
    path = write_profiles(tmp_path, PROFILES)
    settings = client.resolve_settings({"auth_source": "credential_file"}, {}, credentials_file=path)
    assert (settings["profile"], settings["secret"]) == ("default", "secret-default")


def test_auto_falls_back_to_the_default_profile_only_without_other_credentials(tmp_path):
    path = write_profiles(tmp_path, PROFILES)
    assert client.resolve_settings({}, {}, credentials_file=path)["secret"] == "secret-default"
    assert client.resolve_settings({}, {"AZURE_SECRET": "awx"}, credentials_file=path)["secret"] == "awx"
    without_subscription = write_profiles(tmp_path, "[default]\nclient_id = a\n")
    assert client.resolve_settings({}, {}, credentials_file=without_subscription)["client_id"] is None


@pytest.mark.parametrize("text, params, message", [
    (None, {"profile": "prod"}, r"profile 'prod' .* does not exist"),
    ("[default]\nsubscription_id = s\n", {"profile": "prod"}, r"has no \[prod\] section \(it has: default\)"),
    ("[prod]\nsubscription = s\n", {"profile": "prod"}, "unknown keys subscription: allowed are subscription_id"),
    ("[prod]\nsubscription_id = s\n", {"auth_source": "credential_file"}, r"no \[default\] section"),
])
def test_profile_errors_name_the_file_and_section(tmp_path, text, params, message):
    path = write_profiles(tmp_path, text) if text else str(tmp_path / "missing")
    with pytest.raises(client.AzureConfigurationError, match=message):
        client.resolve_settings(params, {}, credentials_file=path)


def session_for(params, environment=None, custom=True):
    session = client.AzureSession(client.resolve_settings(params, environment or {}))
    session._cloud = {"name": "custom", "resource_manager": "https://arm.local", "authority": "https://login.local",  # pylint: disable=protected-access
                      "audience": "https://management.core.windows.net", "custom": custom}
    return session


def self_signed_pem():
    """A certificate with its private key appended, as azure.azcollection's x509_certificate_path expects."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import rsa  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ansible-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(1)
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM) + key_pem


def test_a_certificate_signs_in_a_service_principal_and_its_thumbprint_is_checked(tmp_path):
    pem = tmp_path / "sp.pem"
    pem.write_bytes(self_signed_pem())
    thumbprint = hashlib.sha1(ssl.PEM_cert_to_DER_cert(pem.read_text().split("-----BEGIN PRIVATE KEY")[0])).hexdigest().upper()
    params = {"client_id": "app", "tenant": "t1", "x509_certificate_path": str(pem), "thumbprint": thumbprint}
    assert type(session_for(params).credential).__name__ == "CertificateCredential"
    with pytest.raises(client.AzureConfigurationError, match="thumbprint 00FF is not that of the certificate in x509_certificate_path"):
        session_for(dict(params, thumbprint="00FF")).credential  # pylint: disable=expression-not-assigned
    with pytest.raises(client.AzureConfigurationError, match="give client_id and tenant too"):
        session_for({"x509_certificate_path": str(pem)}).credential  # pylint: disable=expression-not-assigned


def test_user_and_password_sign_in_as_a_user():
    credential = session_for({"ad_user": "user@contoso.com", "password": "pw", "tenant": "t1"}).credential
    assert type(credential).__name__ == "UsernamePasswordCredential"


def test_a_profile_without_credentials_is_refused_for_credential_file(tmp_path):
    path = write_profiles(tmp_path, "[default]\nsubscription_id = s\n")
    session = client.AzureSession(client.resolve_settings({"auth_source": "credential_file"}, {}, credentials_file=path))
    session._cloud = session_for({"secret": "s"})._cloud  # pylint: disable=protected-access
    with pytest.raises(client.AzureConfigurationError, match="profile 'default' .* gives no way to sign in"):
        session.credential  # pylint: disable=expression-not-assigned


def test_cert_validation_ignore_and_instance_discovery_reach_the_transport():
    session = session_for({"cert_validation_mode": "ignore", "disable_instance_discovery": True}, custom=False)
    assert session._transport_kwargs() == {"connection_verify": False}  # pylint: disable=protected-access
    assert session._identity_kwargs()["disable_instance_discovery"] is True  # pylint: disable=protected-access
    assert "disable_instance_discovery" not in session_for({}, custom=False)._identity_kwargs()  # pylint: disable=protected-access


def test_cached_tokens_serve_only_service_principals_with_the_plain_file_cache(monkeypatch):
    monkeypatch.setattr(client.sys, "platform", "linux")
    principal = {"client_id": "app", "tenant": "t1", "secret": "s", "token_cache": "unencrypted"}
    assert type(session_for(principal).credential).__name__ == "CachedTokenCredential"
    for changed in ({"token_cache": "encrypted"}, {"token_cache": "none"}, {"secret": None, "ad_user": "u", "password": "p"}):
        assert type(session_for(dict(principal, **changed)).credential).__name__ != "CachedTokenCredential", changed
    monkeypatch.setattr(client.sys, "platform", "darwin")
    assert type(session_for(principal).credential).__name__ != "CachedTokenCredential"


def test_a_profile_with_two_ways_to_sign_in_is_refused(tmp_path):
    path = write_profiles(tmp_path, "[prod]\nsubscription_id = s\nsecret = x\nx509_certificate_path = /c.pem\n")
    with pytest.raises(client.AzureConfigurationError, match=r"secret and x509_certificate_path are different ways to sign in \(profile 'prod' of "):
        client.resolve_settings({"profile": "prod"}, {}, credentials_file=path)
