"""Test helpers around the real kubectl: run, read JSON, wait on conditions."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from typing import Any


class Kubectl:
    def __init__(self, kubeconfig: str) -> None:
        self.kubeconfig = kubeconfig

    def _cmd(self, args: tuple[str, ...]) -> list[str]:
        return ["kubectl", "--kubeconfig", self.kubeconfig, *args]

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        done = subprocess.run(
            self._cmd(args), input=stdin, capture_output=True, text=True, check=False, timeout=120
        )
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def result(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._cmd(args), input=stdin, capture_output=True, text=True, check=False, timeout=120
        )

    def ok(self, *args: str) -> bool:
        return self.result(*args).returncode == 0

    def apply(self, manifest: str, *args: str) -> str:
        return self.run("apply", "-f", "-", *args, stdin=manifest)

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json"))

    def get(self, *args: str) -> dict[str, Any] | None:
        done = self.result("get", *args, "-o", "json")
        if done.returncode != 0:
            if "NotFound" in done.stderr or "not found" in done.stderr:
                return None
            raise AssertionError(f"kubectl get {' '.join(args)} failed: {done.stderr.strip()}")
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    @staticmethod
    def wait_for(
        condition: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.25
    ) -> Any:
        """Poll ``condition`` until it returns a truthy value; fail naming ``what``."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = condition()
            except Exception as error:  # keep polling; report the last error on timeout
                last_error = error
                value = None
            if value:
                return value
            time.sleep(interval)
        detail = f" (last error: {last_error})" if last_error else ""
        raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")


def condition_true(obj: dict[str, Any] | None, condition_type: str) -> bool:
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == condition_type and cond.get("status") == "True":
            return True
    return False
