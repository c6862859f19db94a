"""Constants of the demo estate and a raw HTTPS helper shared by the tests."""

from pathlib import Path

import requests

DEMO = Path(__file__).resolve().parent / "estate.yml"
MINIMAL = Path(__file__).resolve().parents[1] / "estates" / "minimal.yml"
TENANT = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
FOREIGN_SUBSCRIPTION = "00000000-0000-0000-0000-000000000002"
CLIENT_ID = "5b7e3c9a-1f2d-4e8b-9a6c-0d1e2f3a4b5c"
SECRET = "emulator-ci-secret"
GROUP = "rg-backup-weu"
FAST = {"profile": "fast", "lro_delay": 0.2, "retry_after": 1, "page_size": 50}


class Raw:
    """Plain HTTPS calls for what the SDKs hide: headers, exact status codes, control routes."""

    def __init__(self, emu, credential):
        self.emu = emu
        self.session = requests.Session()
        self.session.verify = emu.ca_file
        self.session.trust_env = False
        self.credential = credential

    def token(self):
        return self.credential.get_token("https://management.azure.com/.default").token

    def arm(self, method, path, body=None, api_version="2026-11-01", token=True, headers=None):
        params = {"api-version": api_version} if api_version else {}
        all_headers = {"Authorization": f"Bearer {self.token()}"} if token else {}
        all_headers.update(headers or {})
        return self.session.request(method, self.emu.endpoint + path, params=params, json=body, headers=all_headers)

    def control(self, method, path, body=None):
        return self.session.request(method, f"{self.emu.endpoint}/_emulator/{path}", json=body)

    def requests_since(self, seq=0):
        return self.control("GET", f"requests?since={seq}").json()


def vault_path(name, group=GROUP, subscription=SUBSCRIPTION):
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.RecoveryServices/vaults/{name}"
