import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from kernelkit.callbacks import RemoteMonitor
from tests.engine.helpers import linear_model, regression_data


@pytest.fixture
def server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass
    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_posts_the_epoch_logs_in_a_form_field_as_keras_does(server):
    root, received = server
    x, y = regression_data(8)
    h = linear_model().fit(x, y, epochs=2, validation_split=0.25, verbose=0,
                           callbacks=[RemoteMonitor(root=root)])
    assert [path for path, _, _ in received] == ["/publish/epoch/end/"] * 2
    path, headers, body = received[1]
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(body.decode())
    sent = json.loads(form["data"][0])
    assert sent == {"epoch": 1, "loss": h.history["loss"][1], "val_loss": h.history["val_loss"][1]}


def test_send_as_json_with_custom_path_field_and_headers(server):
    root, received = server
    cb = RemoteMonitor(root=root, path="/events", headers={"X-Run": "7"}, send_as_json=True)
    cb.set_model(None)
    cb.on_epoch_end(3, {"loss": np.float32(0.5), "acc": np.float64(0.25)})
    path, headers, body = received[0]
    assert path == "/events" and headers["X-Run"] == "7"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"epoch": 3, "loss": 0.5, "acc": 0.25}

    RemoteMonitor(root=root, field="payload").on_epoch_end(0, {"loss": 1.0})
    assert json.loads(urllib.parse.parse_qs(received[1][2].decode())["payload"][0]) == \
        {"epoch": 0, "loss": 1.0}


def test_an_unreachable_server_warns_and_training_goes_on():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    x, y = regression_data(8)
    with pytest.warns(RuntimeWarning, match="could not reach RemoteMonitor"):
        h = linear_model().fit(x, y, epochs=2, verbose=0,
                               callbacks=[RemoteMonitor(root=f"http://127.0.0.1:{port}")])
    assert h.epoch == [0, 1]
