"""Print shell `export` lines that point Azure tools at a running emulator.

    eval "$(.venv/bin/python scripts/emulator_env.py READY_JSON ESTATE_YAML)"

Uses the estate's first service principal and the first subscription it may use: the same
variables AWX's Azure credential injects, plus REQUESTS_CA_BUNDLE for the emulator's CA.
"""

import json
import shlex
import sys

import yaml


def emulator_environment(ready, estate):
    principal = (estate.get("principals") or [{}])[0]
    subscriptions = principal.get("subscriptions") or [subscription["id"] for subscription in estate.get("subscriptions") or []]
    return {
        "AZURE_CLOUD_ENVIRONMENT": ready["endpoint"],
        "AZURE_TENANT": ready.get("tenant") or estate["tenant"],
        "AZURE_CLIENT_ID": principal.get("client_id", ""),
        "AZURE_SECRET": principal.get("secret", ""),
        "AZURE_SUBSCRIPTION_ID": subscriptions[0] if subscriptions else "",
        "REQUESTS_CA_BUNDLE": ready["ca_file"],
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as ready_file, open(sys.argv[2], encoding="utf-8") as estate_file:
        variables = emulator_environment(json.load(ready_file), yaml.safe_load(estate_file))
    for name, value in variables.items():
        print(f"export {name}={shlex.quote(str(value))}")


if __name__ == "__main__":
    main()
