"""The HTTPS transport: a threaded HTTP/1.1 server with keep-alive.

TLS is wrapped per connection inside the connection's own thread, so a slow or broken
handshake never blocks the accept loop. The handler only moves bytes; ``pipeline.dispatch``
decides the answer.
"""

import socket
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address, ssl_context, dispatch):
        self.ssl_context = ssl_context
        self.dispatch = dispatch
        super().__init__(address, ArmRequestHandler)

    def finish_request(self, request, client_address):
        # Headers and body leave in two writes; without TCP_NODELAY, Nagle holds the body until the
        # client's delayed ACK (40 ms on Linux) and every answer costs 40 ms more than it should.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls_socket = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()
            return
        super().finish_request(tls_socket, client_address)

    def handle_error(self, request, client_address):
        """Clients that vanish mid-request are normal in retry tests; stay quiet about them."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, ssl.SSLError, socket.timeout)):
            super().handle_error(request, client_address)


def make_ssl_context(cert_file, key_file):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


class ArmRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120

    def version_string(self):
        return "armemu"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """The request log replaces the default stderr access log."""

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self):
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return body
            body += self.rfile.read(size)
            self.rfile.readline()

    def _handle(self):
        response = self.server.dispatch(self.command, self.path, self.headers, self._read_body())
        if response.drop:
            self.close_connection = True
            return
        payload = response.encoded_body()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle
