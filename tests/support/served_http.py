"""A stand-in's HTTP server on 127.0.0.1 (an ephemeral port), served by a daemon thread.

The stand-ins of external APIs (:mod:`support.fake_sources`, :mod:`support.fake_google_api`)
hold one: ``start`` when their ``with`` block opens, ``stop`` when it closes.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ServedHTTP:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
