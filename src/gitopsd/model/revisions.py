"""How revisions are shown in messages: commit SHAs to seven characters, chart revisions
(``VERSION@sha256:<hex>``) to their version and the first twelve digits of the digest.
Pure; called by the sync stages that write events and operation messages."""

from __future__ import annotations

SHORT_SHA = 7
SHORT_DIGEST = 12


def short_revision(revision: str) -> str:
    version, at, digest = revision.partition("@sha256:")
    if at:
        return f"{version}@sha256:{digest[:SHORT_DIGEST]}"
    is_sha = len(revision) == 40 and all(c in "0123456789abcdef" for c in revision)
    return revision[:SHORT_SHA] if is_sha else revision
