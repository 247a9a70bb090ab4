"""The content-addressed chart cache: archives by SHA-256, unpacked once, read-only.

``<cache>/charts/blobs/sha256/<hex>`` holds archives (and OCI manifests) whose name is the
digest of their bytes: a blob is written only after its bytes were hashed and matched the
digest it was expected to have, through a temporary file renamed into place, so a reader
never sees a partial or a tampered archive. ``<cache>/charts/unpacked/<hex>/`` holds the
archive unpacked once, read-only, shared by every render of that chart.

Unpacking is strict: regular files and directories only (no links, devices or FIFOs), no
absolute names and no ``..``, everything under one top directory, at most
``max_files`` entries and ``max_unpacked_bytes`` in all (a gzip bomb stops there).
Called by :mod:`gitopsd.source.charts`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gitopsd.errors import DigestMismatch, SourceError


@dataclass(frozen=True)
class StoreLimits:
    max_unpacked_bytes: int = 256 * 1024 * 1024
    max_files: int = 20_000


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class ChartStore:
    """Blobs by digest and their unpacked trees (see the module docstring)."""

    def __init__(self, root: Path, limits: StoreLimits = StoreLimits()) -> None:
        self._root = Path(root)
        self._limits = limits
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def lock(self, digest: str) -> threading.Lock:
        """One lock per digest, so concurrent renders download and unpack it once."""
        with self._guard:
            return self._locks.setdefault(digest, threading.Lock())

    def blob_path(self, digest: str) -> Path:
        return self._root / "blobs" / "sha256" / _hex(digest)

    def has(self, digest: str) -> bool:
        return self.blob_path(digest).is_file()

    def read(self, digest: str) -> bytes:
        return self.blob_path(digest).read_bytes()

    def put(self, data: bytes, expected: str, shown: str) -> str:
        """Store ``data`` under its digest after checking it is ``expected`` (when given)."""
        actual = sha256_digest(data)
        if expected and actual != expected:
            raise DigestMismatch(
                f"{shown}: digest mismatch: expected {expected}, downloaded {actual}; "
                "the archive was refused and nothing was stored"
            )
        target = self.blob_path(actual)
        if target.is_file():
            return actual
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, 0o444)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return actual

    def unpacked(self, digest: str, shown: str) -> Path:
        """The archive ``digest`` unpacked (its one top directory), unpacking it once."""
        target = self._root / "unpacked" / _hex(digest)
        with self.lock(f"unpack:{digest}"):
            if not target.is_dir():
                self._unpack(digest, target, shown)
        tops = [entry for entry in target.iterdir() if entry.is_dir()]
        if len(tops) != 1:
            raise SourceError(f"{shown}: the chart archive has no single top directory")
        return tops[0]

    def _unpack(self, digest: str, target: Path, shown: str) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=".partial-"))
        try:
            with tarfile.open(self.blob_path(digest), mode="r:*") as archive:
                self._extract(archive, scratch, shown)
            _read_only(scratch)
            os.replace(scratch, target)
        except tarfile.TarError as error:
            raise SourceError(f"{shown}: not a readable chart archive ({error})") from error
        finally:
            if scratch.exists():
                _make_writable(scratch)
                shutil.rmtree(scratch, ignore_errors=True)

    def _extract(self, archive: tarfile.TarFile, scratch: Path, shown: str) -> None:
        total, count, tops = 0, 0, set()
        for member in archive:
            count += 1
            if count > self._limits.max_files:
                raise SourceError(
                    f"{shown}: chart archive has more than {self._limits.max_files} entries"
                )
            name = PurePosixPath(member.name)
            if name.is_absolute() or ".." in name.parts or not name.parts:
                raise SourceError(f"{shown}: chart archive entry {member.name!r} leaves the chart")
            if not (member.isfile() or member.isdir()):
                raise SourceError(
                    f"{shown}: chart archive entry {member.name!r} is not a plain file"
                )
            tops.add(name.parts[0])
            if len(tops) > 1:
                raise SourceError(f"{shown}: chart archive has more than one top directory")
            destination = scratch.joinpath(*name.parts)
            if member.isdir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            total += member.size
            if total > self._limits.max_unpacked_bytes:
                limit = self._limits.max_unpacked_bytes
                raise SourceError(f"{shown}: chart archive unpacks to more than {limit} bytes")
            destination.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            if source is None:
                raise SourceError(f"{shown}: chart archive entry {member.name!r} is unreadable")
            with source, destination.open("wb") as handle:
                shutil.copyfileobj(source, handle)


def _hex(digest: str) -> str:
    algorithm, _, value = digest.partition(":")
    if algorithm != "sha256" or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise SourceError(f"unsupported digest {digest[:80]!r} (sha256:<64 hex> expected)")
    return value


def _read_only(root: Path) -> None:
    for current, dirnames, filenames in os.walk(root):
        for name in filenames:
            os.chmod(Path(current, name), 0o444)
        for name in dirnames:
            os.chmod(Path(current, name), 0o555)
    os.chmod(root, 0o555)


def _make_writable(root: Path) -> None:
    for current, dirnames, _ in os.walk(root):
        os.chmod(current, stat.S_IRWXU)
        for name in dirnames:
            os.chmod(Path(current, name), stat.S_IRWXU)
