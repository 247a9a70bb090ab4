"""``CachedRenderer``: renders remembered by (repository, commit, path, options, context).

A bounded in-memory LRU. A second render of the same inputs runs no tool; a render for a
new commit can reuse the previous commit's entry when none of the commit's changed paths
touches anything the render read (the app path, kustomize bases and files it referenced,
Helm value files, symlink targets). Entries are stored pickled and every caller gets its
own copy, so callers may mutate what they receive. Identical concurrent renders wait for
one another instead of running twice. Called by
:class:`gitopsd.render.generator.ManifestGenerator` and the benchmark.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitopsd.render.context import RenderContext, RenderLimits
from gitopsd.render.paths import is_under
from gitopsd.render.rendering import RenderExtensions, render_with_dependencies
from gitopsd.render.runner import SubprocessRunner, ToolRunner
from gitopsd.render.tools import RenderTools
from gitopsd.source.urls import normalize_repo_url
from gitopsd.spec import Source


@dataclass(frozen=True)
class _Entry:
    payload: bytes  # pickled list of objects
    dependencies: frozenset[str]

    def objects(self) -> list[dict[str, Any]]:
        loaded: list[dict[str, Any]] = pickle.loads(self.payload)  # only our own bytes
        return loaded


def render_key(
    repo_url: str,
    sha: str,
    source: Source,
    context: RenderContext,
    ref_roots: Mapping[str, Path] | None = None,
) -> str:
    """A stable digest of everything a render's output depends on besides the files."""
    options = dataclasses.asdict(source)
    for volatile in ("repo_url", "target_revision", "ref"):
        options.pop(volatile, None)
    material = {
        "repo": normalize_repo_url(repo_url),
        "sha": sha,
        "source": options,
        "context": dataclasses.asdict(context),
        "refs": {name: str(path) for name, path in sorted((ref_roots or {}).items())},
    }
    text = json.dumps(material, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def affected(changed: frozenset[str], dependencies: frozenset[str]) -> bool:
    """Whether any changed path is, contains or lies under something the render read."""
    return any(
        is_under(path, dependency) or is_under(dependency, path)
        for path in changed
        for dependency in dependencies
    )


class CachedRenderer:
    """Renders through :func:`render_with_dependencies`, remembering results (see module)."""

    def __init__(
        self,
        limits: RenderLimits = RenderLimits(),  # noqa: B008 - frozen
        max_entries: int = 2048,
        runner: ToolRunner | None = None,
        *,
        tools: RenderTools = RenderTools(),  # noqa: B008 - frozen
        extensions: RenderExtensions = RenderExtensions(),  # noqa: B008 - frozen
    ) -> None:
        self._limits = limits
        self._max_entries = max_entries
        self._runner = runner or SubprocessRunner()
        self._tools = tools
        self._extensions = extensions
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._guard = threading.Lock()
        self._inflight: dict[str, threading.Lock] = {}
        self.hits = 0
        self.misses = 0
        self.reuses = 0

    def render(
        self,
        repo_url: str,
        sha: str,
        source: Source,
        repo_root: Path,
        context: RenderContext,
        *,
        ref_roots: Mapping[str, Path] | None = None,
    ) -> list[dict[str, Any]]:
        """The objects of ``source`` at ``sha``, from the cache or rendered now."""
        key = render_key(repo_url, sha, source, context, ref_roots)
        with self._key_lock(key):
            entry = self._get(key)
            if entry is not None:
                return entry.objects()
            rendered = render_with_dependencies(
                source, repo_root, context, self._limits,
                runner=self._runner, tools=self._tools, ref_roots=ref_roots,
                extensions=self._extensions, revision=sha,
            )  # fmt: skip
            entry = _Entry(pickle.dumps(rendered.objects), rendered.dependencies)
            self._put(key, entry, miss=True)
        return entry.objects()

    def lookup(
        self,
        repo_url: str,
        sha: str,
        source: Source,
        context: RenderContext,
        *,
        ref_roots: Mapping[str, Path] | None = None,
    ) -> list[dict[str, Any]] | None:
        """The cached objects for these inputs, or None (never renders)."""
        entry = self._get(render_key(repo_url, sha, source, context, ref_roots))
        return entry.objects() if entry is not None else None

    def reuse_if_unaffected(
        self,
        repo_url: str,
        old_sha: str,
        new_sha: str,
        source: Source,
        context: RenderContext,
        changed: frozenset[str],
        *,
        ref_roots: Mapping[str, Path] | None = None,
    ) -> list[dict[str, Any]] | None:
        """The ``old_sha`` render, now also cached for ``new_sha``, if ``changed`` spares it.

        None when there is no entry for ``old_sha`` or a changed path touches what that
        render read; the caller then renders ``new_sha``.
        """
        old = self._get(render_key(repo_url, old_sha, source, context, ref_roots))
        if old is None or affected(changed, old.dependencies):
            return None
        self._put(render_key(repo_url, new_sha, source, context, ref_roots), old)
        with self._guard:
            self.reuses += 1
        return old.objects()

    @property
    def extensions(self) -> RenderExtensions:
        return self._extensions

    def set_extensions(self, extensions: RenderExtensions) -> None:
        """Use other charts or plugins from now on; renders made with the old ones are
        dropped (a plugin that was disabled must not keep rendering from the cache)."""
        with self._guard:
            changed = extensions != self._extensions
            self._extensions = extensions
            if changed:
                self._entries.clear()

    def __len__(self) -> int:
        with self._guard:
            return len(self._entries)

    def _get(self, key: str) -> _Entry | None:
        with self._guard:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return entry

    def _put(self, key: str, entry: _Entry, *, miss: bool = False) -> None:
        with self._guard:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
            self.misses += miss

    def _key_lock(self, key: str) -> _KeyLock:
        with self._guard:
            lock = self._inflight.setdefault(key, threading.Lock())
        return _KeyLock(self, key, lock)

    def _release(self, key: str, lock: threading.Lock) -> None:
        with self._guard:
            lock.release()
            if not lock.locked() and self._inflight.get(key) is lock:
                del self._inflight[key]


class _KeyLock:
    """Holds one key's in-flight lock for a ``with`` block."""

    def __init__(self, owner: CachedRenderer, key: str, lock: threading.Lock) -> None:
        self._owner, self._key, self._lock = owner, key, lock

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *_: object) -> None:
        self._owner._release(self._key, self._lock)
