"""The Jsonnet evaluator process: one ``.jsonnet`` file to JSON on stdout.

Run by :mod:`gitopsd.render.jsonnet` as ``python -I -m gitopsd.render.jsonnet_eval
REQUEST.json`` inside the render sandbox (sealed environment, no network, killed past the
render's time limit, output cut at its size limit). Here the process also caps its own
address space and CPU time (``RLIMIT_AS``, ``RLIMIT_CPU``), so a runaway evaluation ends
even where the caller's clock does not reach, and evaluates with the official
``_jsonnet`` bindings. Every ``import``, ``importstr`` and ``importbin`` goes through
:func:`confined_import`: relative to the importing file, then each library directory,
and only to files whose real path is inside the repository or a listed library. Errors
are one ``Error: …`` line on stderr, exit status 1.
"""

from __future__ import annotations

import json
import resource
import sys
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

_MAX_IMPORT_BYTES = 16 * 1024 * 1024


def confined_import(
    roots: Sequence[Path], libs: Sequence[Path]
) -> Callable[[str, str], tuple[str, bytes]]:
    """The import callback: ``(importing dir, path) -> (found path, bytes)``, confined."""
    allowed = [r.resolve() for r in roots]

    def load(base: str, rel: str) -> tuple[str, bytes]:
        if PurePosixPath(rel).is_absolute():
            raise RuntimeError(f"import {rel!r}: absolute imports are not allowed")
        for directory in (Path(base), *libs):
            candidate = directory / rel
            real = candidate.resolve()
            if not any(real.is_relative_to(root) for root in allowed):
                continue  # never even test for existence outside the repository
            if real.is_file():
                if real.stat().st_size > _MAX_IMPORT_BYTES:
                    raise RuntimeError(f"import {rel!r}: larger than {_MAX_IMPORT_BYTES} bytes")
                return str(candidate), real.read_bytes()
        raise RuntimeError(f"import {rel!r}: not found in the repository or its libs")

    return load


def evaluate(request: dict[str, Any]) -> str:
    import _jsonnet  # type: ignore[import-untyped]  # only this process loads the bindings

    root = Path(request["root"])
    libs = [Path(p) for p in request.get("libs") or []]
    importer = confined_import([root], libs)
    result: str = _jsonnet.evaluate_file(
        request["file"],
        ext_vars=request.get("ext_vars") or {},
        ext_codes=request.get("ext_codes") or {},
        tla_vars=request.get("tla_vars") or {},
        tla_codes=request.get("tla_codes") or {},
        import_callback=importer,
        max_stack=int(request.get("max_stack", 500)),
    )
    return result


def _limit(kind: int, value: int) -> None:
    _, hard = resource.getrlimit(kind)
    wanted = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (wanted, hard))


def main(argv: Sequence[str]) -> int:
    request = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    _limit(resource.RLIMIT_AS, int(request.get("max_memory_bytes", 1 << 30)))
    _limit(resource.RLIMIT_CPU, int(request.get("max_cpu_seconds", 60)))
    try:
        output = evaluate(request)
    except (RuntimeError, MemoryError) as error:
        first = str(error).strip().splitlines() or ["evaluation failed"]
        print(f"Error: {'; '.join(line.strip() for line in first[:6])}", file=sys.stderr)
        return 1
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
