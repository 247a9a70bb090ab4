"""Reading Lua health customizations from ``gitopsd-cm`` and matching them to kinds.

Called by the operator's settings loader and by ``gitopsd health --customizations``
(to build the mapping), and by :class:`gitopsd.health.assess.HealthAssessor` (to find
the script for a kind). Keys follow Argo CD: ``group/Kind``, or ``Kind`` alone for the
core group, with glob wildcards such as ``*.crossplane.io/*``. Two ConfigMap forms are
read, and the per-key one wins when both name the same kind:

- ``resource.customizations``: YAML mapping ``group/Kind`` to ``{health.lua: <script>}``;
- ``resource.customizations.health.<group>_<Kind>``: the script itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitopsd.errors import ConfigError
from gitopsd.model.globs import glob_match
from gitopsd.model.keys import GroupKind
from gitopsd.model.yaml_loader import YAMLError, load_yaml

CUSTOMIZATIONS_KEY = "resource.customizations"
HEALTH_KEY_PREFIX = "resource.customizations.health."
HEALTH_SCRIPT_FIELD = "health.lua"
_WILDCARD_CHARACTERS = frozenset("*?[")


def customization_key(group_kind: GroupKind) -> str:
    """The key naming ``group_kind``: ``group/Kind``, or ``Kind`` for the core group."""
    return f"{group_kind.group}/{group_kind.kind}" if group_kind.group else group_kind.kind


def normalize_key(key: str) -> str:
    """``/Kind`` (an explicit empty core group) and ``Kind`` are the same key."""
    return key.removeprefix("/")


def parse_customizations(value: str | Mapping[str, Any] | None) -> dict[str, str]:
    """``{key: lua source}`` from the value of ``resource.customizations``.

    ``value`` is the YAML text as stored in the ConfigMap, or that text already parsed.
    Entries without ``health.lua`` (ignoreDifferences, actions, ...) are skipped. Raises
    :class:`ConfigError` when the value is not a mapping of mappings.
    """
    entries = _load_mapping(value)
    scripts: dict[str, str] = {}
    for key, settings in entries.items():
        if not isinstance(settings, Mapping):
            raise ConfigError(
                f"{CUSTOMIZATIONS_KEY}: {key}: expected a mapping with {HEALTH_SCRIPT_FIELD}, "
                f"got {type(settings).__name__}"
            )
        script = settings.get(HEALTH_SCRIPT_FIELD)
        if script is None:
            continue
        if not isinstance(script, str):
            raise ConfigError(f"{CUSTOMIZATIONS_KEY}: {key}: {HEALTH_SCRIPT_FIELD} must be text")
        scripts[normalize_key(str(key))] = script
    return scripts


def customizations_from_configmap(cm: dict[str, Any]) -> dict[str, str]:
    """``{key: lua source}`` from a ``gitopsd-cm`` ConfigMap body, both key forms."""
    data = cm.get("data") or {}
    if not isinstance(data, Mapping):
        raise ConfigError("ConfigMap data must be a mapping")
    scripts = parse_customizations(data.get(CUSTOMIZATIONS_KEY))
    for name, script in sorted(data.items()):
        if not (isinstance(name, str) and name.startswith(HEALTH_KEY_PREFIX)):
            continue
        if not isinstance(script, str):
            raise ConfigError(f"ConfigMap key {name}: value must be text")
        scripts[_key_from_configmap_suffix(name.removeprefix(HEALTH_KEY_PREFIX))] = script
    return scripts


def _key_from_configmap_suffix(suffix: str) -> str:
    # API groups are DNS names and cannot hold "_", so the first one separates the kind.
    group, separator, kind = suffix.partition("_")
    if not separator:
        return suffix
    return f"{group}/{kind}" if group else kind


def _load_mapping(value: str | Mapping[str, Any] | None) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = load_yaml(value)
        except YAMLError as error:
            raise ConfigError(f"{CUSTOMIZATIONS_KEY}: invalid YAML: {error}") from error
        if value is None:
            return {}
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{CUSTOMIZATIONS_KEY}: expected a mapping of group/Kind to settings, "
            f"got {type(value).__name__}"
        )
    return value


class ScriptTable:
    """Finds the script for a kind: an exact key first, then the most specific wildcard.

    Among wildcard keys matching the same kind, the one with the most literal characters
    wins (``ec2.aws.crossplane.io/*`` over ``*.crossplane.io/*``), then the first in sorted
    order, so the choice never depends on the order the settings were read in.
    """

    def __init__(self, scripts: Mapping[str, str] | None = None) -> None:
        normalized = {normalize_key(key): source for key, source in (scripts or {}).items()}
        self._exact = {key: src for key, src in normalized.items() if not _is_pattern(key)}
        self._patterns = sorted(
            ((key, src) for key, src in normalized.items() if _is_pattern(key)),
            key=lambda item: (-_literal_length(item[0]), item[0]),
        )

    def __len__(self) -> int:
        return len(self._exact) + len(self._patterns)

    def lookup(self, group_kind: GroupKind) -> tuple[str, str] | None:
        """``(key, lua source)`` of the script covering ``group_kind``, if any."""
        wanted = customization_key(group_kind)
        if wanted in self._exact:
            return wanted, self._exact[wanted]
        for pattern, source in self._patterns:
            if glob_match(pattern, wanted):
                return pattern, source
        return None


def _is_pattern(key: str) -> bool:
    return not _WILDCARD_CHARACTERS.isdisjoint(key)


def _literal_length(pattern: str) -> int:
    return sum(1 for char in pattern if char not in _WILDCARD_CHARACTERS)
