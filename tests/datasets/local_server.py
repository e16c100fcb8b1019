"""A tiny HTTP server on 127.0.0.1 for download tests, and a guard against real network use."""
import http.server
import ipaddress
import socket
import threading

import pytest

# How LocalServer answers a path: the default "ok" sends the body with its Content-Length;
# "truncate" announces the full length but sends half and closes (a dropped connection);
# "truncate-no-length" sends half without a Content-Length (only a hash can tell).
OK, TRUNCATE, TRUNCATE_NO_LENGTH = "ok", "truncate", "truncate-no-length"


class LocalServer:
    """Serve `files` (path -> bytes) over HTTP on 127.0.0.1, counting requests per path."""

    def __init__(self):
        self.files = {}
        self.modes = {}
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.lstrip("/")
                server.requests.append(path)
                body = server.files.get(path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                mode = server.modes.get(path, OK)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if mode != TRUNCATE_NO_LENGTH:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body if mode == OK else body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{path}"

    def count(self, path):
        return self.requests.count(path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def local_server(monkeypatch):
    # A proxy configured on the machine must not intercept requests to the local server.
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    server = LocalServer()
    yield server
    server.close()


@pytest.fixture
def no_internet(monkeypatch):
    """Fail any connection to an address that is not loopback."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise AssertionError(f"a test tried to reach {address}; tests must stay offline")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """Point $KERNELKIT_HOME at a fresh folder; return the folder of downloaded data sets."""
    monkeypatch.setenv("KERNELKIT_HOME", str(tmp_path / "kkhome"))
    return tmp_path / "kkhome" / "datasets"


def free_port():
    """A port on 127.0.0.1 with nothing listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
