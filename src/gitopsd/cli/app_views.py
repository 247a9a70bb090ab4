"""Human-readable views of Applications for ``app list``, ``app get`` and ``app history``.

Pure functions from raw Application bodies to text; rows are sorted so output is stable.
Called by :mod:`gitopsd.cli.app`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from gitopsd.cli.output import OutputFormat, dump, format_table, human_age, short_revision
from gitopsd.model.keys import ResourceKey
from gitopsd.spec import raw_sources

LIST_HEADERS = ("NAME", "PROJECT", "SYNC", "HEALTH", "REVISION", "DESTINATION", "AGE")
RESOURCE_HEADERS = ("GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH")
HISTORY_HEADERS = ("ID", "DATE", "REVISION", "AUTHOR", "MESSAGE", "INITIATOR")
MESSAGE_WIDTH = 60


def _status(app: dict[str, Any], field: str) -> str:
    return str(((app.get("status") or {}).get(field) or {}).get("status") or "Unknown")


def destination(app: dict[str, Any]) -> str:
    """``<server or name>/<namespace>`` (just the cluster for cluster-scoped apps)."""
    dest = (app.get("spec") or {}).get("destination") or {}
    cluster = str(dest.get("server") or dest.get("name") or "")
    namespace = str(dest.get("namespace") or "")
    return f"{cluster}/{namespace}" if namespace else cluster


def list_rows(apps: Sequence[dict[str, Any]], now: dt.datetime) -> list[list[str]]:
    rows = []
    for app in sorted(apps, key=lambda a: str(a["metadata"]["name"])):
        meta, spec = app["metadata"], app.get("spec") or {}
        rows.append(
            [
                str(meta["name"]),
                str(spec.get("project") or "default"),
                _status(app, "sync"),
                _status(app, "health"),
                short_revision(((app.get("status") or {}).get("sync") or {}).get("revision")),
                destination(app),
                human_age(meta.get("creationTimestamp"), now),
            ]
        )
    return rows


def format_list(apps: Sequence[dict[str, Any]], now: dt.datetime) -> str:
    return format_table(LIST_HEADERS, list_rows(apps, now))


def _sync_policy(spec: dict[str, Any]) -> str:
    automated = (spec.get("syncPolicy") or {}).get("automated")
    if automated is None:
        return "manual"
    flags = [name for name in ("prune", "selfHeal", "allowEmpty") if automated.get(name)]
    return f"automated ({', '.join(flags)})" if flags else "automated"


def _source_lines(spec: dict[str, Any]) -> list[tuple[str, str]]:
    sources = raw_sources(spec)
    lines = []
    for index, source in enumerate(sources):
        suffix = f" {index + 1}" if len(sources) > 1 else ""
        lines.append((f"Repository{suffix}", str(source.get("repoURL") or "")))
        if source.get("chart"):
            lines.append((f"Chart{suffix}", str(source["chart"])))
        elif source.get("path") or not source.get("ref"):
            lines.append((f"Path{suffix}", str(source.get("path") or ".")))
        if source.get("ref"):
            lines.append((f"Ref{suffix}", str(source["ref"])))
        lines.append((f"Target revision{suffix}", str(source.get("targetRevision") or "HEAD")))
    return lines


def _with_message(value: str, message: Any) -> str:
    return f"{value}: {message}" if message else value


def _sync_line(app: dict[str, Any], revision: str) -> str:
    """``Synced to main (1a2b3c4)`` / ``OutOfSync from main (1a2b3c4)``."""
    status = _status(app, "sync")
    if not revision:
        return status
    sources = raw_sources(app.get("spec") or {})
    target = str(sources[0].get("targetRevision") or "HEAD") if sources else "HEAD"
    word = "to" if status == "Synced" else "from"
    return f"{status} {word} {target} ({revision})"


def summary_fields(app: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of the ``app get`` header, in display order."""
    meta, spec, status = app["metadata"], app.get("spec") or {}, app.get("status") or {}
    sync, health = status.get("sync") or {}, status.get("health") or {}
    revision = short_revision(sync.get("revision"))
    fields = [
        ("Name", str(meta.get("name", ""))),
        ("Namespace", str(meta.get("namespace", ""))),
        ("Project", str(spec.get("project") or "default")),
        *_source_lines(spec),
        ("Destination", destination(app)),
        ("Sync policy", _sync_policy(spec)),
        ("Sync status", _sync_line(app, revision)),
        ("Health status", _with_message(_status(app, "health"), health.get("message"))),
    ]
    state = status.get("operationState")
    if isinstance(state, dict):
        fields.append(("Operation", _with_message(str(state.get("phase")), state.get("message"))))
    return fields


def format_summary(app: dict[str, Any]) -> str:
    fields = summary_fields(app)
    width = max(len(label) for label, _ in fields) + 2
    lines = [f"{label + ':':<{width}}{value}".rstrip() for label, value in fields]
    conditions = (app.get("status") or {}).get("conditions") or []
    if conditions:
        lines.append("Conditions:")
        for condition in sorted(conditions, key=lambda c: str(c.get("type"))):
            lines.append(f"  {condition.get('type')}: {condition.get('message', '')}".rstrip())
    return "\n".join(lines) + "\n"


def format_resources(app: dict[str, Any]) -> str:
    """The resources table, then one ``who drifted`` line per drift manager."""
    entries = sorted((app.get("status") or {}).get("resources") or [], key=ResourceKey.of_entry)
    rows = []
    drift: list[str] = []
    for entry in entries:
        key = ResourceKey.of_entry(entry)
        status = str(entry.get("status") or "")
        if entry.get("requiresPruning"):
            status = f"{status} (requires pruning)"
        health = str((entry.get("health") or {}).get("status") or "")
        rows.append([key.group, key.kind, key.namespace, key.name, status, health])
        drift.extend(f"  {key}: {manager}" for manager in entry.get("driftManagers") or [])
    text = format_table(RESOURCE_HEADERS, rows)
    if drift:
        text += "\nWho drifted:\n" + "\n".join(drift) + "\n"
    return text


def _initiator(entry: dict[str, Any]) -> str:
    who = entry.get("initiatedBy") or {}
    if who.get("automated"):
        return "automated"
    return str(who.get("username") or "")


def _one_line(text: Any) -> str:
    line = str(text or "").splitlines()[0] if text else ""
    return line if len(line) <= MESSAGE_WIDTH else line[: MESSAGE_WIDTH - 3] + "..."


def format_history(app: dict[str, Any]) -> str:
    history = (app.get("status") or {}).get("history") or []
    rows = [
        [
            str(entry.get("id", "")),
            str(entry.get("deployedAt") or ""),
            ",".join(short_revision(r) for r in entry.get("revisions") or [])
            or short_revision(entry.get("revision")),
            str(entry.get("author") or ""),
            _one_line(entry.get("message")),
            _initiator(entry),
        ]
        for entry in sorted(history, key=lambda e: int(e.get("id", 0)))
    ]
    return format_table(HISTORY_HEADERS, rows)


def application_text(app: dict[str, Any], output: OutputFormat) -> str:
    """``app get``: the summary and the resources table, or the whole Application dumped."""
    if output is not OutputFormat.TABLE:
        return dump(app, output)
    resources = format_resources(app)
    return format_summary(app) + ("\n" + resources if resources else "")


def history_text(app: dict[str, Any], output: OutputFormat) -> str:
    """``app history``: the deployments as a table, or ``status.history`` dumped."""
    if output is OutputFormat.TABLE:
        return format_history(app)
    return dump((app.get("status") or {}).get("history") or [], output)
