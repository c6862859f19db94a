"""Offline stand-in for pip's get-pip.py, used by ansible-test's venv bootstrap.

ansible-test downloads get-pip.py from the internet before sanity/units in a venv and
looks first for a cached copy in ~/.ansible/test/cache/.  scripts/bootstrap.sh installs
this file there: it installs pip with ensurepip, then pip installs what it was asked for
from the machine's usual package index configuration.
"""

import ensurepip
import os
import subprocess
import sys

PIP_CONFIG_FILE = os.environ.get("PIP_CONFIG_FILE")
ensurepip.bootstrap(upgrade=True)
# ensurepip points PIP_CONFIG_FILE at /dev/null, which would hide the machine's index settings.
if PIP_CONFIG_FILE is None:
    os.environ.pop("PIP_CONFIG_FILE", None)
else:
    os.environ["PIP_CONFIG_FILE"] = PIP_CONFIG_FILE
ARGUMENTS = [argument for argument in sys.argv[1:] if argument not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade"] + ARGUMENTS))
