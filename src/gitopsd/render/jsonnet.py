"""Jsonnet files in a directory source, as Argo CD renders them.

A directory source renders every ``*.jsonnet`` file it selects (``*.libsonnet`` files are
libraries, only imported) with ``directory.jsonnet``'s ``extVars`` and ``tlas`` (``code:
true`` entries are Jsonnet expressions, others strings) and ``libs`` (repository paths
searched by ``import`` after the importing file's own directory). The result may be one
object, a list of objects, or a ``List``; each becomes a manifest.

Evaluation runs in a separate process (:mod:`gitopsd.render.jsonnet_eval`) through the
render's :class:`~gitopsd.render.runner.ToolRunner`: the sealed environment and network
namespace of every render, the render's wall-time limit (the process group is killed),
its output size limit, and inside the process a 1 GiB address-space and a CPU-time cap.
A process rather than the bindings in the controller because the bindings cannot be
interrupted: a ``std.range(1, 1e9)`` would otherwise hold a worker and its memory for as
long as it likes. Imports are confined to the repository (libraries too must be inside
it). Called by :mod:`gitopsd.render.directory`.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

from gitopsd.errors import ManifestError, PathEscape, ToolError
from gitopsd.render.context import RenderLimits
from gitopsd.render.manifests import objects_from_documents
from gitopsd.render.paths import resolve_inside
from gitopsd.render.runner import ToolRun, ToolRunner
from gitopsd.render.sandbox import sealed_environment
from gitopsd.spec import JsonnetOptions

MAX_MEMORY_BYTES = 1 << 30


def render_jsonnet_file(
    root: Path,
    path: Path,
    options: JsonnetOptions,
    *,
    limits: RenderLimits,
    runner: ToolRunner,
    shown: str,
) -> list[dict[str, Any]]:
    """The objects one ``.jsonnet`` file evaluates to."""
    libs = [str(resolve_inside(root, lib, shown, "jsonnet lib").real) for lib in options.libs]
    real_root = root.resolve()
    if not path.resolve().is_relative_to(real_root):
        raise PathEscape(f"{shown}: the file resolves outside the repository")
    with tempfile.TemporaryDirectory(prefix="gitopsd-jsonnet-") as scratch:
        request = {
            "root": str(real_root),
            "file": str(path),
            "libs": libs,
            "ext_vars": {v.name: v.value for v in options.ext_vars if not v.code},
            "ext_codes": {v.name: v.value for v in options.ext_vars if v.code},
            "tla_vars": {v.name: v.value for v in options.tlas if not v.code},
            "tla_codes": {v.name: v.value for v in options.tlas if v.code},
            "max_memory_bytes": MAX_MEMORY_BYTES,
            "max_cpu_seconds": max(1, math.ceil(limits.timeout_seconds)),
        }
        request_file = Path(scratch) / "request.json"
        request_file.write_text(json.dumps(request))
        call = ToolRun(
            argv=[sys.executable, "-I", "-m", "gitopsd.render.jsonnet_eval", str(request_file)],
            cwd=Path(scratch),
            env=sealed_environment(Path(scratch) / "env"),
            timeout_seconds=limits.timeout_seconds,
            max_bytes=limits.max_bytes,
            subject=shown,
            paths={str(real_root): "", str(root): ""},
            secrets=tuple(v.value for v in (*options.ext_vars, *options.tlas) if v.value),
        )
        try:
            output = runner.run(call)
        except ToolError as error:
            if "memory allocation" not in str(error):
                raise
            limit = MAX_MEMORY_BYTES // (1024 * 1024)
            raise ToolError(
                f"{shown}: Jsonnet went past its memory limit of {limit} MiB"
            ) from error
    try:
        document = json.loads(output)
    except ValueError as error:
        raise ManifestError(f"{shown}: Jsonnet output is not JSON") from error
    documents = document if isinstance(document, list) else [document]
    return objects_from_documents(documents, shown)
