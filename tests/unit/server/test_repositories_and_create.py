"""``/api/v1/repositories`` (credentials write-only) and ``POST /api/v1/applications``
(authorized per project, only metadata and spec kept), in-process."""

from __future__ import annotations

import base64
import json
from typing import Any

from aiohttp.test_utils import TestClient

from tests.unit.server.fakes import Harness, app, bearer, fill

Client = TestClient[Any, Any]
POLICY = """\
p, dev, applications, create, backend/*, allow
p, dev, applications, get, backend/*, allow
p, dev, repositories, get, *, allow
"""


def harness() -> Harness:
    return Harness([app("backend-api", "backend")], policy=POLICY, accounts={"dev": "dev-pass"})


def test_repositories_are_added_and_listed_without_credentials() -> None:
    h = harness()

    async def scenario(client: Client) -> None:
        admin, dev = (
            await bearer(client, "admin", "admin-pass"),
            await bearer(client, "dev", "dev-pass"),
        )
        body = {
            "repo": "https://git.example.com/team/app.git",
            "username": "bot",
            "password": "hunter2-password",
            "project": "",
        }
        assert (await client.post("/api/v1/repositories", json=body, headers=dev)).status == 403
        created = await client.post("/api/v1/repositories", json=body, headers=admin)
        assert created.status == 200, await created.text()
        assert "hunter2" not in await created.text()
        again = await client.post("/api/v1/repositories", json=body, headers=admin)
        assert again.status == 409
        bad = await client.post("/api/v1/repositories", json={"repo": "not a url"}, headers=admin)
        assert bad.status == 400
        fill(h.ctx.caches.repositories, h.cluster.creates[0])
        listed = await (await client.get("/api/v1/repositories", headers=dev)).json()
        assert listed["items"] == [
            {
                "repo": body["repo"],
                "type": "git",
                "name": "",
                "project": "",
                "insecure": False,
                "hasCredentials": True,
            }
        ]

    h.run(scenario)
    (secret,) = h.cluster.creates
    assert secret["metadata"]["labels"] == {"gitopsd.io/secret-type": "repository"}
    assert base64.b64decode(secret["data"]["password"]).decode() == "hunter2-password"
    assert secret["metadata"]["name"].startswith("repo-")


def test_applications_are_created_per_project_with_only_metadata_and_spec() -> None:
    h = harness()

    def body(name: str, project: str, **extra: Any) -> dict[str, Any]:
        created = app(name, project)
        created["metadata"] = {"name": name, "labels": {"team": project}}
        created.pop("status")
        return {**created, **extra}

    async def scenario(client: Client) -> None:
        dev = await bearer(client, "dev", "dev-pass")
        sneaky = body(
            "backend-web", "backend", status={"sync": {"status": "Synced"}}, operation={"sync": {}}
        )
        answer = await client.post("/api/v1/applications", json=sneaky, headers=dev)
        assert answer.status == 200, await answer.text()
        other = await client.post("/api/v1/applications", json=body("x", "frontend"), headers=dev)
        assert other.status == 403
        taken = await client.post(
            "/api/v1/applications", json=body("backend-web", "backend"), headers=dev
        )
        assert taken.status == 409
        broken = body("y", "backend")
        broken["spec"]["sources"] = [broken["spec"]["source"]]
        invalid = await client.post("/api/v1/applications", json=broken, headers=dev)
        assert invalid.status == 400 and "mutually exclusive" in (await invalid.json())["message"]

    h.run(scenario)
    (created,) = h.cluster.creates
    assert set(created) == {"apiVersion", "kind", "metadata", "spec"}
    assert created["metadata"]["namespace"] == "gitopsd"
    assert json.dumps(h.cluster.events).count("created the application") == 1
