"""Policy lines from ``gitopsd-rbac-cm`` and from AppProject roles.

``gitopsd-rbac-cm`` has Argo CD's ``argocd-rbac-cm`` keys: ``policy.csv``, overlays
``policy.<name>.csv`` (appended after it, by key), ``policy.default`` (a role every
signed-in user has), ``policy.matchMode`` (``glob`` or ``regex``) and ``scopes`` (the
token claims whose values are groups; default ``[groups]``). AppProject
``spec.roles[]{name, policies, groups}`` add lines for the subject
``proj:<project>:<role>``; a project role may only speak of its own project's objects,
so other lines are dropped. Called by :mod:`gitopsd.server.authz` when the ConfigMap or
an AppProject changes.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gitopsd.errors import ConfigError
from gitopsd.model.yaml_loader import YAMLError, load_yaml
from gitopsd.server.rbac.globs import check_pattern

log = logging.getLogger(__name__)

RBAC_CONFIGMAP = "gitopsd-rbac-cm"
EFFECTS = ("allow", "deny")
MATCH_MODES = ("glob", "regex")


@dataclass(frozen=True)
class PolicyLine:
    """One ``p`` line (5 fields after the type) or ``g`` line (2 fields)."""

    ptype: str
    fields: tuple[str, ...]

    def __str__(self) -> str:
        return ", ".join((self.ptype, *self.fields))


@dataclass(frozen=True)
class RbacConfig:
    """What ``gitopsd-rbac-cm`` says."""

    lines: tuple[PolicyLine, ...] = ()
    default_role: str = ""
    match_mode: str = "glob"
    scopes: tuple[str, ...] = ("groups",)


def parse_rbac_configmap(data: Mapping[str, str] | None) -> RbacConfig:
    """Parse the ConfigMap's ``data``; ConfigError names the key and line at fault."""
    data = dict(data or {})
    match_mode = (data.get("policy.matchMode") or "glob").strip()
    if match_mode not in MATCH_MODES:
        raise ConfigError(f"{RBAC_CONFIGMAP}: policy.matchMode {match_mode!r}: glob or regex")
    overlays = (k for k in data if k.startswith("policy.") and k.endswith(".csv"))
    keys = ["policy.csv", *sorted(k for k in overlays if k != "policy.csv")]
    lines: list[PolicyLine] = []
    for key in keys:
        lines.extend(parse_policy_csv(data.get(key) or "", where=f"{RBAC_CONFIGMAP}: {key}"))
    for line in lines:
        _check_patterns(line, match_mode)
    return RbacConfig(
        lines=tuple(lines),
        default_role=(data.get("policy.default") or "").strip(),
        match_mode=match_mode,
        scopes=parse_scopes(data.get("scopes")),
    )


def parse_scopes(text: str | None) -> tuple[str, ...]:
    """``scopes: '[groups, email]'`` (YAML list); default ``[groups]``."""
    if not text or not text.strip():
        return ("groups",)
    try:
        value: Any = load_yaml(text)
    except YAMLError as error:
        raise ConfigError(f"{RBAC_CONFIGMAP}: scopes: {error}") from error
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{RBAC_CONFIGMAP}: scopes: expected a list of claim names")
    return tuple(value)


def parse_policy_csv(text: str, *, where: str) -> list[PolicyLine]:
    """Lines of ``p, sub, res, act, obj[, effect]`` and ``g, member, role``.

    Blank lines and ``#`` comments are skipped; a ``p`` line without an effect allows.
    """
    lines = []
    rows = csv.reader(text.splitlines(), skipinitialspace=True)
    for number, row in enumerate(rows, start=1):
        fields = [field.strip() for field in row]
        if not fields or not fields[0] or fields[0].startswith("#"):
            continue
        lines.append(_policy_line(fields, f"{where}: line {number}"))
    return lines


def _policy_line(fields: list[str], where: str) -> PolicyLine:
    ptype, rest = fields[0], fields[1:]
    if ptype == "g":
        if len(rest) != 2 or not all(rest):
            raise ConfigError(f"{where}: expected 'g, <user or group>, <role>'")
        return PolicyLine("g", (rest[0], rest[1]))
    if ptype != "p":
        raise ConfigError(f"{where}: a line starts with 'p' or 'g', not {ptype!r}")
    if len(rest) == 4:
        rest.append("allow")
    if len(rest) != 5 or not all(rest):
        raise ConfigError(
            f"{where}: expected 'p, <subject>, <resource>, <action>, <object>, allow|deny'"
        )
    if rest[4] not in EFFECTS:
        raise ConfigError(f"{where}: effect {rest[4]!r} is neither allow nor deny")
    return PolicyLine("p", tuple(rest))


def _check_patterns(line: PolicyLine, match_mode: str) -> None:
    if line.ptype == "p":
        for pattern in line.fields[1:4]:
            check_pattern(pattern, match_mode)


def project_role_lines(projects: Iterable[Mapping[str, Any]]) -> list[PolicyLine]:
    """Lines for every AppProject's ``spec.roles``; lines outside their project dropped."""
    lines: list[PolicyLine] = []
    for project in projects:
        name = str((project.get("metadata") or {}).get("name") or "")
        for role in (project.get("spec") or {}).get("roles") or []:
            if isinstance(role, dict) and role.get("name"):
                lines.extend(_role_lines(name, role))
    return lines


def _role_lines(project: str, role: Mapping[str, Any]) -> list[PolicyLine]:
    subject = f"proj:{project}:{role['name']}"
    where = f"AppProject/{project}: role {role['name']}"
    lines: list[PolicyLine] = []
    for text in role.get("policies") or []:
        try:
            parsed = parse_policy_csv(str(text), where=where)
        except ConfigError as error:
            log.warning("%s; policy ignored", error)
            continue
        for line in parsed:
            if _within_project(line, subject, project):
                lines.append(line)
            else:
                log.warning("%s: policy %r ignored: not about its own project", where, str(line))
    lines.extend(PolicyLine("g", (str(group), subject)) for group in role.get("groups") or [])
    return lines


def _within_project(line: PolicyLine, subject: str, project: str) -> bool:
    if line.ptype != "p" or line.fields[0] != subject:
        return False
    obj = line.fields[3]
    return obj.startswith(f"{project}/") and "{" not in obj.split("/", 1)[0]
