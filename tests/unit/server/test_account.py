"""``can-i`` answers for the caller; a password change needs the caller's own current
password, and another account's also needs ``accounts update``."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp.test_utils import TestClient

from tests.unit.server.fakes import Harness, app, sign_in

POLICY = "p, alice, applications, *, backend/*, allow\n"
Client = TestClient[Any, Any]


def harness() -> Harness:
    return Harness(
        [app("api", "backend"), app("web", "frontend")],
        policy=POLICY,
        accounts={"alice": "alice-pass"},
    )


def test_can_i() -> None:
    async def scenario(client: Client) -> list[str]:
        token = (await sign_in(client, "alice", "alice-pass"))["token"]
        client.session.cookie_jar.clear()
        answers = []
        for path in ("applications/sync/backend/api", "applications/sync/frontend/web",
                     "applications/delete/backend/api", "clusters/get/https://x"):  # fmt: skip
            response = await client.get(
                f"/api/v1/account/can-i/{path}", headers={"Authorization": f"Bearer {token}"}
            )
            answers.append((await response.json())["value"])
        return answers

    assert harness().run(scenario) == ["yes", "no", "yes", "no"]


def test_password_changes() -> None:
    h = harness()

    async def scenario(client: Client) -> list[int]:
        alice = {
            "Authorization": f"Bearer {(await sign_in(client, 'alice', 'alice-pass'))['token']}"
        }
        admin = {
            "Authorization": f"Bearer {(await sign_in(client, 'admin', 'admin-pass'))['token']}"
        }
        client.session.cookie_jar.clear()
        statuses = []
        for headers, body in (
            (alice, {"currentPassword": "wrong", "newPassword": "new-password-1"}),
            (alice, {"currentPassword": "alice-pass", "newPassword": "short"}),
            (alice, {"currentPassword": "alice-pass", "newPassword": "x", "name": "admin"}),
            (alice, {"currentPassword": "alice-pass", "newPassword": "new-password-1",
                     "name": "admin"}),
            (alice, {"currentPassword": "alice-pass", "newPassword": "new-password-1"}),
            (admin, {"currentPassword": "admin-pass", "newPassword": "reset-password",
                     "name": "alice"}),
        ):  # fmt: skip
            response = await client.put("/api/v1/account/password", json=body, headers=headers)
            statuses.append(response.status)
        return statuses

    assert h.run(scenario) == [403, 400, 400, 403, 200, 200]
    written = [patch["data"] for _, patch in h.cluster.patches]
    assert [sorted(data) for data in written] == [
        ["accounts.alice.password", "accounts.alice.passwordMtime"],
        ["accounts.alice.password", "accounts.alice.passwordMtime"],
    ]
    assert all(base64.b64decode(d["accounts.alice.password"]).startswith(b"$2") for d in written)
