"""RemoteMonitor: post the epoch logs to a server as JSON."""
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from .base import Callback

# Seconds to wait for the server; a slow server must not hold training up for long.
TIMEOUT = 10


def _jsonable(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return value.item() if value.size == 1 else value.tolist()
    return value


class RemoteMonitor(Callback):
    """POST `{'epoch': epoch, **logs}` to `root + path` at the end of every epoch.

    By default the JSON goes in the form field `field` (`data=<json>`, form-encoded), as
    Keras 2 sends it; with `send_as_json=True` it is the request body
    (Content-Type: application/json). An unreachable server gives a warning, not an error.

    Arguments:
        root: the server's root URL.
        path: the path the events are posted to.
        field: name of the form field holding the JSON.
        headers: extra HTTP headers (a dict).
        send_as_json: send the JSON as the request body.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        send.update((k, _jsonable(v)) for k, v in (logs or {}).items())
        payload = json.dumps(send)
        if self.send_as_json:
            body, content_type = payload.encode("utf-8"), "application/json"
        else:
            body = urllib.parse.urlencode({self.field: payload}).encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type}
        headers.update(self.headers or {})
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                response.read()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            warnings.warn(f"Warning: could not reach RemoteMonitor root server at {self.root} "
                          f"({error}).", RuntimeWarning, stacklevel=2)
