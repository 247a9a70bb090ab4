"""An in-process server over a fake cluster: real caches (filled by hand, never started),
real authorizer, middleware and handlers; the fake records every write."""

from __future__ import annotations

import asyncio
import base64
import copy
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import bcrypt
from aiohttp.test_utils import TestClient, TestServer

from gitopsd.cluster.cache import WatchCache
from gitopsd.config import ServerSettings
from gitopsd.errors import Conflict
from gitopsd.model.keys import ResourceKey
from gitopsd.server.api.app import build_app
from gitopsd.server.main import build_context

NAMESPACE = "gitopsd"
KEY = "unit-test-signing-key-0123456789abcdef"
T = TypeVar("T")


class FakeCluster:
    host = "https://fake"

    def __init__(self) -> None:
        self.patches: list[tuple[ResourceKey, dict[str, Any]]] = []
        self.deletes: list[ResourceKey] = []
        self.creates: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.objects: dict[ResourceKey, dict[str, Any]] = {}

    def merge_patch(self, key: ResourceKey, patch: dict[str, Any]) -> dict[str, Any]:
        self.patches.append((key, patch))
        current = copy.deepcopy(self.objects.get(key) or {"metadata": {"name": key.name}})
        _merge(current, patch)
        self.objects[key] = current
        return current

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        key = ResourceKey.of(obj)
        if key in self.objects:
            raise Conflict(f"{key} already exists", status=409)
        self.creates.append(copy.deepcopy(obj))
        self.objects[key] = copy.deepcopy(obj)
        return copy.deepcopy(obj)

    def delete(self, key: ResourceKey, **_: Any) -> None:
        self.deletes.append(key)

    def create_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def get(self, key: ResourceKey) -> dict[str, Any] | None:
        return self.objects.get(key)


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def fill(cache: WatchCache, *objects: dict[str, Any]) -> None:
    for obj in objects:
        cache._apply("ADDED", obj)
    cache._ready.set()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def app(name: str, project: str, **status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": f"uid-{name}",
            "resourceVersion": "7",
            "labels": {"team": project},
        },
        "spec": {
            "project": project,
            "source": {"repoURL": "https://git.example/repo", "path": name},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": project},
        },
        "status": status,
    }


class Harness:
    """Builds the aiohttp app over fakes; ``run`` drives a coroutine with a test client."""

    def __init__(
        self,
        apps: list[dict[str, Any]],
        *,
        policy: str = "",
        accounts: dict[str, str] | None = None,
        config: dict[str, str] | None = None,
        projects: list[dict[str, Any]] | None = None,
    ) -> None:
        self.cluster = FakeCluster()
        scratch = tempfile.mkdtemp(prefix="gitopsd-server-unit-")
        settings = ServerSettings(namespace=NAMESPACE, secure_cookie=False, cache_dir=scratch)
        self.ctx = build_context(settings, self.cluster)  # type: ignore[arg-type]
        passwords = {"admin": "admin-pass", **(accounts or {})}
        secret = {"server.secretkey": b64(KEY)}
        config = dict(config or {})
        for name, password in passwords.items():
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
            field = "admin.password" if name == "admin" else f"accounts.{name}.password"
            secret[field] = b64(hashed)
            if name != "admin":
                config.setdefault(f"accounts.{name}", "login")
        caches = self.ctx.caches
        fill(caches.applications, *apps)
        server_secret = {
            "metadata": {"name": "gitopsd-secret", "namespace": NAMESPACE, "resourceVersion": "1"},
            "data": secret,
        }
        fill(caches.secret, server_secret)
        self.cluster.objects[ResourceKey("", "Secret", NAMESPACE, "gitopsd-secret")] = server_secret
        fill(
            caches.config,
            {"metadata": {"name": "gitopsd-cm", "namespace": NAMESPACE}, "data": config},
        )
        rbac = {"metadata": {"name": "gitopsd-rbac-cm", "namespace": NAMESPACE}}
        fill(caches.rbac, {**rbac, "data": {"policy.csv": policy}})
        for project in projects or []:
            self.cluster.objects[ResourceKey.of(project)] = project
        fill(caches.projects, *(projects or []))
        for cache in (caches.appsets, caches.clusters, caches.events):
            fill(cache)

    def sync_cache(self, cache: WatchCache, key: ResourceKey) -> None:
        """What a watch event does: the cache takes the object as the cluster has it."""
        fill(cache, self.cluster.objects[key])

    def run(self, scenario: Callable[[TestClient[Any, Any]], Awaitable[T]]) -> T:
        async def main() -> T:
            async with TestClient(TestServer(build_app(self.ctx))) as client:
                return await scenario(client)

        return asyncio.run(main())


async def sign_in(client: TestClient[Any, Any], username: str, password: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/session", json={"username": username, "password": password}
    )
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    body["cookies"] = {k: v.value for k, v in response.cookies.items()}
    body["set-cookie"] = response.headers.getall("Set-Cookie")
    return body


async def bearer(client: TestClient[Any, Any], username: str, password: str) -> dict[str, str]:
    """The Authorization header of a fresh session for ``username``."""
    return {"Authorization": f"Bearer {(await sign_in(client, username, password))['token']}"}
