"""Config management plugins in a sidecar: the small protocol over a Unix socket.

In the chart a plugin can run in its own container next to the controller, as Argo CD
runs plugins beside its repo server. The containers share only an ``emptyDir`` with the
sockets, ``<socket dir>/<plugin name>.sock``; the sidecar mounts no ServiceAccount token
(the pod turns ``automountServiceAccountToken`` off and mounts a projected token into the
controller container alone), runs as another user, and so never holds the controller's
credentials. One connection carries one render:

    request   {"version": 1, "plugin": NAME, "appPath": PATH, "env": {...},
               "timeoutSeconds": S, "maxBytes": N, "archiveBytes": A}\\n
              then A bytes: an uncompressed tar of the repository (no .git)
    reply     {"ok": true, "bytes": B}\\n then B bytes of YAML
              or {"ok": false, "error": MESSAGE}\\n

The sidecar (``gitopsd plugin-server``, :func:`serve`) unpacks the tree with the chart
cache's strict rules (regular files, directories and in-tree symlinks; no ``..``), runs
the plugin's own ``init`` and ``generate`` from its own configuration with the render
sandbox (:class:`~gitopsd.render.runner.SubprocessRunner`, sealed environment plus the
request's ``env``), and never more time or bytes than its own limits allow. Called by
:mod:`gitopsd.render.plugins` (client) and ``gitopsd plugin-server`` (server).
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from gitopsd.errors import RenderError, ToolError
from gitopsd.render.plugins import Plugin, run_locally
from gitopsd.render.runner import SubprocessRunner, ToolRun, ToolRunner
from gitopsd.render.sandbox import sealed_environment

PROTOCOL_VERSION = 1
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
_MAX_HEADER = 1024 * 1024


class SocketPluginRunner:
    """The controller's side: sends the tree to ``<socket_dir>/<plugin>.sock``."""

    def __init__(self, socket_dir: Path) -> None:
        self._socket_dir = Path(socket_dir)

    def run(
        self, plugin: Plugin, tree: Path, app_path: str, env: Mapping[str, str], call: ToolRun
    ) -> bytes:
        path = self._socket_dir / f"{plugin.name}.sock"
        archive = _tar(tree, call.subject)
        header = {
            "version": PROTOCOL_VERSION,
            "plugin": plugin.name,
            "appPath": app_path,
            "env": {
                k: v
                for k, v in env.items()
                if k.startswith(("ARGOCD_", "GITOPSD_", "PARAM_", "KUBE_"))
            },
            "timeoutSeconds": call.timeout_seconds,
            "maxBytes": call.max_bytes,
            "archiveBytes": len(archive),
        }
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(call.timeout_seconds + 5)
                connection.connect(str(path))
                connection.sendall(json.dumps(header).encode() + b"\n" + archive)
                reply = _read_header(connection)
                if not reply.get("ok"):
                    raise ToolError(f"{call.subject}: {reply.get('error') or 'the plugin failed'}")
                size = int(reply.get("bytes", 0))
                if size > call.max_bytes:
                    raise ToolError(
                        f"{call.subject}: output exceeds the limit of {call.max_bytes} bytes"
                    )
                return _read_exactly(connection, size)
        except OSError as error:
            raise ToolError(
                f"{call.subject}: the plugin's sidecar cannot be reached "
                f"({error.strerror or type(error).__name__})"
            ) from error


@dataclass(frozen=True)
class ServerLimits:
    timeout_seconds: float = 90.0
    max_bytes: int = 10 * 1024 * 1024
    max_archive_bytes: int = MAX_ARCHIVE_BYTES


def serve(
    listener: socket.socket,
    plugins: Mapping[str, Plugin],
    *,
    limits: ServerLimits = ServerLimits(),
    runner: ToolRunner | None = None,
    once: bool = False,
) -> None:
    """Answer requests on ``listener`` one at a time (``once``: a single one, for tests)."""
    run = runner or SubprocessRunner()
    while True:
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(limits.timeout_seconds + 5)
            try:
                output = _handle(connection, plugins, limits, run)
                connection.sendall(
                    json.dumps({"ok": True, "bytes": len(output)}).encode() + b"\n" + output
                )
            except (RenderError, OSError, ValueError) as error:
                message = str(error) if isinstance(error, RenderError) else "bad request"
                with contextlib.suppress(OSError):
                    connection.sendall(json.dumps({"ok": False, "error": message}).encode() + b"\n")
        if once:
            return


def _handle(
    connection: socket.socket, plugins: Mapping[str, Plugin], limits: ServerLimits, run: ToolRunner
) -> bytes:
    request = _read_header(connection)
    if request.get("version") != PROTOCOL_VERSION:
        raise RenderError("unsupported plugin protocol version")
    plugin = plugins.get(str(request.get("plugin")))
    if plugin is None:
        raise RenderError(f"this sidecar serves no plugin {str(request.get('plugin'))[:100]!r}")
    size = int(request.get("archiveBytes", -1))
    if not 0 <= size <= limits.max_archive_bytes:
        raise RenderError(f"the repository archive exceeds {limits.max_archive_bytes} bytes")
    archive = _read_exactly(connection, size)
    app_path = PurePosixPath(str(request.get("appPath") or "."))
    if app_path.is_absolute() or ".." in app_path.parts:
        raise RenderError("the app path must stay inside the repository")
    env = {str(k): str(v) for k, v in dict(request.get("env") or {}).items()}
    with tempfile.TemporaryDirectory(prefix="gitopsd-plugin-") as scratch:
        tree = Path(scratch) / "repo"
        _untar(archive, tree)
        call = ToolRun(
            argv=plugin.generate.argv,
            cwd=tree / app_path,
            env={
                **sealed_environment(Path(scratch) / "env", offline=not plugin.allow_network),
                **env,
            },
            timeout_seconds=min(
                float(request.get("timeoutSeconds", limits.timeout_seconds)), limits.timeout_seconds
            ),
            max_bytes=min(int(request.get("maxBytes", limits.max_bytes)), limits.max_bytes),
            subject=f"plugin {plugin.name}",
            offline=not plugin.allow_network,
            paths={str(tree): "", str(tree.resolve()): ""},
        )
        return run_locally(plugin, call, run)


def _tar(tree: Path, subject: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(tree, arcname=".", filter=_no_git)
    data = buffer.getvalue()
    if len(data) > MAX_ARCHIVE_BYTES:
        raise RenderError(f"{subject}: the repository is larger than {MAX_ARCHIVE_BYTES} bytes")
    return data


def _no_git(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if ".git" in PurePosixPath(member.name).parts else member


def _untar(data: bytes, target: Path) -> None:
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        for member in archive:
            name = PurePosixPath(member.name)
            if name.is_absolute() or ".." in name.parts:
                raise RenderError(f"archive entry {member.name[:100]!r} leaves the repository")
            if member.issym():
                link = PurePosixPath(member.linkname)
                resolved = PurePosixPath(*name.parent.parts, *link.parts)
                if link.is_absolute() or _climbs(resolved):
                    raise RenderError(
                        f"archive symlink {member.name[:100]!r} leaves the repository"
                    )
            elif not (member.isfile() or member.isdir()):
                raise RenderError(f"archive entry {member.name[:100]!r} is not a plain file")
        archive.extractall(target, filter="data")


def _climbs(path: PurePosixPath) -> bool:
    depth = 0
    for part in path.parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0:
            return True
    return False


def _read_header(connection: socket.socket) -> dict[str, Any]:
    line = bytearray()
    while not line.endswith(b"\n"):
        chunk = connection.recv(1)
        if not chunk:
            raise ToolError("the plugin connection closed early")
        line.extend(chunk)
        if len(line) > _MAX_HEADER:
            raise ToolError("the plugin header is too long")
    header = json.loads(line)
    if not isinstance(header, dict):
        raise ValueError("a header is a JSON object")
    return header


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = connection.recv(min(1 << 20, size - len(data)))
        if not chunk:
            raise ToolError("the plugin connection closed early")
        data.extend(chunk)
    return bytes(data)
