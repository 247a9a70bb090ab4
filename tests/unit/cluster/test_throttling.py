"""The API server's "come back later" (429, e.g. storage re-initializing after a CRD is
installed) is retried quietly a few times before it becomes an error."""

from __future__ import annotations

from typing import Any

import pytest

from gitopsd.cluster import kube
from gitopsd.cluster.kube import KubeCluster
from gitopsd.errors import ClusterError


class Response:
    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self._body = body
        self.headers = headers or {}

    def read(self) -> bytes:
        return self._body


class RestClient:
    def __init__(self, responses: list[Response]) -> None:
        self.responses = responses
        self.calls = 0

    def request(self, method: str, url: str, **_: Any) -> Response:
        self.calls += 1
        return self.responses.pop(0)


class ApiClient:
    class configuration:  # noqa: N801 - the attribute name the real client uses
        host = "https://127.0.0.1:6443"

    def __init__(self, responses: list[Response]) -> None:
        self.rest_client = RestClient(responses)

    def param_serialize(self, **kwargs: Any) -> tuple[Any, str, dict[str, str], Any, Any]:
        return None, kwargs["resource_path"], kwargs["header_params"], None, None


THROTTLED = Response(429, b'{"message": "storage is (re)initializing"}', {"Retry-After": "1"})


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(kube.time, "sleep", waits.append)
    return waits


def test_a_throttled_request_is_retried_and_succeeds(no_waiting: list[float]) -> None:
    api = ApiClient([THROTTLED, THROTTLED, Response(200, b'{"ok": true}')])
    cluster = KubeCluster(api)  # type: ignore[arg-type]
    assert cluster.request("GET", "/version") == {"ok": True}
    assert api.rest_client.calls == 3
    assert no_waiting == [1.0, 1.0]  # as the server asked


def test_a_request_throttled_every_time_fails_with_the_server_message() -> None:
    api = ApiClient([THROTTLED] * kube.THROTTLED_ATTEMPTS)
    cluster = KubeCluster(api)  # type: ignore[arg-type]
    with pytest.raises(ClusterError) as raised:
        cluster.request("GET", "/apis/gitopsd.io/v1alpha1/applications", what="list apps")
    assert raised.value.status == 429
    assert "storage is (re)initializing" in str(raised.value)


def test_waits_are_capped_even_when_the_server_asks_for_more(no_waiting: list[float]) -> None:
    slow = Response(429, b"{}", {"Retry-After": "60"})
    api = ApiClient([slow, Response(200, b"{}")])
    KubeCluster(api).request("GET", "/version")  # type: ignore[arg-type]
    assert no_waiting == [kube.THROTTLED_MAX_WAIT_SECONDS]
