"""Pure helpers for revisions: SHA shapes, ``ls-remote`` output, ref matching.

Called by :class:`gitopsd.source.repositories.GitRepositories`.
"""

from __future__ import annotations

import re

_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}")
_SHORT_SHA = re.compile(r"[0-9a-fA-F]{4,39}")
_PEELED = "^{}"


def is_full_sha(text: str) -> bool:
    return _FULL_SHA.fullmatch(text) is not None


def is_short_sha(text: str) -> bool:
    return _SHORT_SHA.fullmatch(text) is not None


def parse_ls_remote(output: str) -> dict[str, str]:
    """``<sha>\\t<ref>`` lines to ``{ref: sha}`` (peeled tags keep their ``^{}`` suffix)."""
    refs: dict[str, str] = {}
    for line in output.splitlines():
        sha, _, ref = line.partition("\t")
        if ref and is_full_sha(sha):
            refs[ref.strip()] = sha.lower()
    return refs


def match_ref(refs: dict[str, str], revision: str) -> tuple[str, str] | None:
    """The (ref to fetch, commit SHA) that ``revision`` names among ``refs``, or None.

    ``HEAD`` (or empty) is the remote's default branch; then an exact ``refs/...`` name;
    then a branch; then a tag, whose annotated form is peeled to its commit.
    """
    wanted = revision.strip() or "HEAD"
    if wanted == "HEAD":
        return ("HEAD", refs["HEAD"]) if "HEAD" in refs else None
    candidates = (
        [wanted] if wanted.startswith("refs/") else [f"refs/heads/{wanted}", f"refs/tags/{wanted}"]
    )
    for ref in candidates:
        if ref in refs:
            return ref, refs.get(ref + _PEELED, refs[ref])
    return None
