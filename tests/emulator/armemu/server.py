"""The emulator as an object you can start in-process (pytest) or from ``python -m armemu``.

    emu = Emulator("tests/emulator/estates/demo.yml", lro_delay=0.2).start()
    emu.endpoint, emu.ca_file, emu.tenant
    emu.stop()

``profile="azure"`` makes it cost what Azure costs (see core/settings.py); ``settings`` is a dict
applied after it, as ``POST /_emulator/settings`` would; ``state_file`` keeps the world across restarts.
"""

import os
import tempfile
import threading

from . import resources
from .core import control, pipeline
from .core.auth import Directory
from .core.estate import apply_estate, read_estate
from .core.faults import FaultInjector
from .core.lro import OperationEngine
from .core.requestlog import RequestLog
from .core.server import TlsServer, make_ssl_context
from .core.settings import Settings
from .core.statefile import StateFile
from .core.store import Store
from .core.throttle import Throttle
from .core.tls import ensure_certificates


class Emulator:
    """One emulated Azure cloud: fake AAD, metadata endpoint and ARM, over HTTPS on 127.0.0.1."""

    def __init__(self, estate, *, host="127.0.0.1", port=0, state_dir=None, lro_delay=1.0, retry_after=1, page_size=50,
                 profile="fast", settings=None, state_file=None):
        self.settings = Settings()
        self.settings.update({"profile": profile, "lro_delay": lro_delay, "retry_after": retry_after, "page_size": page_size,
                              **(settings or {})})
        self.store = Store()
        self.directory = Directory()
        self.ops = OperationEngine(self.settings)
        self.log = RequestLog()
        self.faults = FaultInjector()
        self.throttle = Throttle(self.settings)
        self.modules = [control, *resources.load_all()]  # importing a module registers its routes
        self._address = (host, port)
        # Lives as long as the emulator, removed by stop(): a with-block cannot span start() and stop().
        self._temp_dir = None if state_dir else tempfile.TemporaryDirectory(prefix="armemu-")  # pylint: disable=consider-using-with
        self.state_dir = state_dir or self._temp_dir.name
        self.ca_file, self._cert_file, self._key_file = ensure_certificates(self.state_dir)
        self._httpd = None
        self._thread = None
        self.state_file = None
        self.load_estate(estate)
        if state_file:
            self.state_file = StateFile(state_file, self)
            self.state_file.open()

    def load_estate(self, estate):
        """Reset the world to ``estate`` (a path or a dict); pending operations are dropped."""
        self.ops.clear()
        self.throttle.reset()
        apply_estate(read_estate(estate), self.store, self.directory, self.modules)
        if self.state_file:
            self.state_file.save()

    def persist(self):
        """Journal the changes of the request just served (with a state file; else nothing)."""
        if self.state_file:
            self.state_file.commit()

    def start(self):
        context = make_ssl_context(self._cert_file, self._key_file)
        self._httpd = TlsServer(self._address, context, self._dispatch)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="armemu", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self.state_file:
            self.state_file.close()
            self.state_file = None
        if self._temp_dir:
            self._temp_dir.cleanup()
            self._temp_dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _dispatch(self, method, target, headers, body):
        return pipeline.dispatch(self, method, target, headers, body)

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def endpoint(self):
        return f"https://127.0.0.1:{self.port}"

    @property
    def tenant(self):
        return self.directory.tenant_id

    @property
    def metadata_url(self):
        return f"{self.endpoint}/metadata/endpoints"

    def info(self):
        """The JSON line printed on start: everything a client needs to connect."""
        return {"endpoint": self.endpoint, "ca_file": self.ca_file, "tenant": self.tenant,
                "metadata_url": self.metadata_url, "pid": os.getpid()}
