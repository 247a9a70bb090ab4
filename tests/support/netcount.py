"""Witnesses for "nothing reached the network": an HTTP server that counts every request,
and fake ``git``/``ssh`` programs that log every invocation before (for git) running the
real one. A render that stays offline leaves all of them untouched."""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class RequestLog:
    """Every request line the counting server saw, in order."""

    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self) -> list[str]:
        with self.lock:
            return list(self.requests)


@contextmanager
def counting_http_server() -> Iterator[tuple[str, RequestLog]]:
    """``(http://127.0.0.1:<port>, log)``; every request is logged and answered 404."""
    log = RequestLog()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _count(self) -> None:
            with log.lock:
                log.requests.append(f"{self.command} {self.path}")
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_HEAD = do_CONNECT = _count  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass(frozen=True)
class ProgramLog:
    """A directory to put first on PATH, and the file its fake programs log to."""

    bin_dir: Path
    log_file: Path

    def lines(self) -> list[str]:
        return self.text().splitlines()

    def text(self) -> str:
        return self.log_file.read_text() if self.log_file.exists() else ""

    def path_with(self, path: str | None = None) -> str:
        return f"{self.bin_dir}{os.pathsep}{path if path is not None else os.environ['PATH']}"


def logging_programs(directory: Path) -> ProgramLog:
    """Fake ``git`` (logs its arguments, runs the real git, logs its stderr and exit code)
    and ``ssh`` (logs, fails)."""
    directory.mkdir(parents=True, exist_ok=True)
    log_file = directory / "invocations.log"
    real_git = shutil.which("git")
    assert real_git is not None, "git is needed"
    git = f"""#!/bin/sh
echo "git $*" >> "{log_file}"
err=$(mktemp)
"{real_git}" "$@" 2>"$err"; code=$?
sed 's/^/  stderr: /' "$err" >> "{log_file}"
cat "$err" >&2; rm -f "$err"
echo "  exit $code" >> "{log_file}"
exit $code
"""
    scripts = {"git": git, "ssh": f'#!/bin/sh\necho "ssh $*" >> "{log_file}"\nexit 255\n'}
    for name, text in scripts.items():
        script = directory / name
        script.write_text(text)
        script.chmod(stat.S_IRWXU)
    return ProgramLog(directory, log_file)
