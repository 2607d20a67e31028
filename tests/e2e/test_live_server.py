"""The browser tests' server closes what the browser abandons.

Chromium resets connections it no longer needs (a favicon, a page it navigates away from). The
development server then skipped closing the response, and the static file it held open was
reported by the garbage collector in whichever test ran next (a red CI on 2026-12-06, in
``test_no_main_page_scrolls_sideways``). Without ``_ClosingHandler`` this test sees a dozen
unclosed files.
"""

from __future__ import annotations

import gc
import socket
import struct
import time
import urllib.request
import warnings

from tests.conftest import make_app
from tests.e2e.conftest import live_server

ASSET = "/static/vendor/chart-4.6.1.umd.min.js"


def _reset_after(port: int, delay: float) -> None:
    """Ask for a large static file, then reset the connection (RST) without reading the answer."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"GET {ASSET} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    time.sleep(delay)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_dropped_connections_leave_no_open_file(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path)
    server = live_server(app)
    try:
        url = f"http://127.0.0.1:{server.server_port}{ASSET}"
        with urllib.request.urlopen(url) as answer:
            whole = answer.read()
        assert answer.status == 200 and len(whole) > 100_000
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for delay in [0, 0.001, 0.002, 0.005, 0.01, 0.02] * 5:
                _reset_after(server.server_port, delay)
            time.sleep(0.5)
            gc.collect()
        unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
        assert unclosed == []
        with urllib.request.urlopen(url) as answer:
            assert answer.read() == whole
    finally:
        server.shutdown()
