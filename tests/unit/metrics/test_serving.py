"""/metrics, /healthz and /readyz over real HTTP on 127.0.0.1."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from gitopsd.metrics import BackgroundHTTPServer, Metrics, serve_metrics


class Readiness:
    def __init__(self) -> None:
        self.ready = False
        self.broken = False

    def __call__(self) -> bool:
        if self.broken:
            raise RuntimeError("informer cache lost")
        return self.ready


@pytest.fixture
def served() -> Iterator[tuple[BackgroundHTTPServer, Metrics, Readiness]]:
    metrics, readiness = Metrics(), Readiness()
    server = serve_metrics(metrics, 0, host="127.0.0.1", health=readiness)
    try:
        yield server, metrics, readiness
    finally:
        server.stop()


def get(port: int, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["Content-Type"], error.read()


def test_metrics_endpoint_serves_the_exposition(
    served: tuple[BackgroundHTTPServer, Metrics, Readiness],
) -> None:
    server, metrics, _ = served
    metrics.count_webhook_request("gitlab", "accepted")
    status, content_type, body = get(server.port, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=0.0.4")
    assert b'gitopsd_webhook_requests_total{provider="gitlab",result="accepted"} 1.0' in body


def test_healthz_is_ok_while_readyz_follows_the_callback(
    served: tuple[BackgroundHTTPServer, Metrics, Readiness],
) -> None:
    server, _, readiness = served
    assert get(server.port, "/healthz")[0] == 200
    assert get(server.port, "/readyz")[0] == 503
    readiness.ready = True
    assert get(server.port, "/readyz")[0] == 200
    readiness.broken = True
    assert get(server.port, "/readyz")[0] == 503


def test_unknown_path_is_404(served: tuple[BackgroundHTTPServer, Metrics, Readiness]) -> None:
    server, _, _ = served
    assert get(server.port, "/debug")[0] == 404


def test_stop_releases_the_port() -> None:
    server = serve_metrics(Metrics(), 0, host="127.0.0.1")
    port = server.port
    server.stop()
    again = serve_metrics(Metrics(), port, host="127.0.0.1")
    try:
        assert again.port == port
    finally:
        again.stop()
