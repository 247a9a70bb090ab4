"""Sync options as one typed value, read once from their text and only through it.

Sync options come in three layers, each written as Argo CD writes them (``Name=value``,
a bare ``Name`` meaning ``Name=true``): the Application's ``spec.syncPolicy.syncOptions``,
a requested operation's ``operation.sync.syncOptions`` and an object's ``sync-options``
annotation (comma-separated). :func:`read_sync_options` turns one layer into a
:class:`SyncOptions` and the problems it found; :meth:`SyncOptions.overridden_by` stacks
layers (the later one wins for every option it sets). Option names are Argo CD's and are
matched as written; values are case-insensitive (``Validate=False``). An unknown name or
an unreadable value is a problem naming the entry (``spec.syncPolicy.syncOptions[1]:
...``): the spec validation reports the Application's and the operation's problems before
anything runs, the desired set refuses an object whose annotation has an unreadable value,
and an annotation's unknown names are ignored (Argo CD has options gitopsd does not read).

Called by the spec parser, the desired set, the comparison, the operation pass, apply,
pruning and ``gitopsd convert``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitopsd.errors import DesiredSetError
from gitopsd.model import annotations as names
from gitopsd.model.vocab import Consent, PropagationPolicy


@dataclass(frozen=True)
class SyncOptions:
    """How to sync. Defaults are gitopsd's (and Argo CD's) when nothing is set.

    ``server_side_apply`` defaults to True: gitopsd applies server-side. ``delete`` governs
    pruning and Application deletion alike; ``Delete=confirm`` never deletes
    automatically. ``explicit`` names the fields a layer set, so layers can be stacked.
    """

    create_namespace: bool = False
    apply_out_of_sync_only: bool = False
    server_side_apply: bool = True
    replace: bool = False
    force: bool = False
    validate: bool = True
    skip_dry_run_on_missing_resource: bool = False
    fail_on_shared_resource: bool = False
    respect_ignore_differences: bool = False
    prune: Consent = Consent.ALLOWED
    prune_last: bool = False
    prune_propagation_policy: PropagationPolicy = PropagationPolicy.FOREGROUND
    delete: Consent = Consent.ALLOWED
    explicit: frozenset[str] = field(default=frozenset(), compare=False)

    def overridden_by(self, later: SyncOptions) -> SyncOptions:
        """These options with every option ``later`` sets taken from ``later``."""
        if not later.explicit:
            return self
        changed = {name: getattr(later, name) for name in later.explicit}
        return dataclasses.replace(self, **changed, explicit=self.explicit | later.explicit)

    def written(self) -> dict[str, str]:
        """The options this layer sets, as Argo CD writes them (``{"Prune": "false"}``)."""
        return {
            option: _text(getattr(self, field_name))
            for option, (field_name, _) in sorted(_READERS.items())
            if field_name in self.explicit
        }


NO_OPTIONS = SyncOptions()


@dataclass(frozen=True)
class SyncOptionProblem:
    """One entry that could not be read: its position in its list and why."""

    index: int
    name: str
    message: str
    unknown: bool  # an option name gitopsd does not know (rather than a bad value)

    def at(self, field_name: str) -> str:
        """``spec.syncPolicy.syncOptions[1]: <message>``."""
        return f"{field_name}[{self.index}]: {self.message}"


def _boolean(value: str) -> bool:
    if value not in {"true", "false"}:
        raise ValueError("true, false")
    return value == "true"


def _consent(value: str) -> Consent:
    try:
        return Consent(value)
    except ValueError as error:
        raise ValueError("true, false, confirm") from error


def _propagation(value: str) -> PropagationPolicy:
    for policy in PropagationPolicy:
        if policy.value.lower() == value:
            return policy
    raise ValueError("foreground, background, orphan")


# Argo CD's option name -> (field, reader of the lower-cased value).
_READERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    names.OPT_CREATE_NAMESPACE: ("create_namespace", _boolean),
    names.OPT_APPLY_OUT_OF_SYNC_ONLY: ("apply_out_of_sync_only", _boolean),
    names.OPT_SERVER_SIDE_APPLY: ("server_side_apply", _boolean),
    names.OPT_REPLACE: ("replace", _boolean),
    names.OPT_FORCE: ("force", _boolean),
    names.OPT_VALIDATE: ("validate", _boolean),
    names.OPT_SKIP_DRY_RUN_ON_MISSING: ("skip_dry_run_on_missing_resource", _boolean),
    names.OPT_FAIL_ON_SHARED: ("fail_on_shared_resource", _boolean),
    names.OPT_RESPECT_IGNORE_DIFFERENCES: ("respect_ignore_differences", _boolean),
    names.OPT_PRUNE: ("prune", _consent),
    names.OPT_PRUNE_LAST: ("prune_last", _boolean),
    names.OPT_PRUNE_PROPAGATION: ("prune_propagation_policy", _propagation),
    names.OPT_DELETE: ("delete", _consent),
}
KNOWN_OPTIONS = frozenset(_READERS)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


def split_options(text: str | None) -> list[str]:
    """The entries of a ``sync-options`` annotation (``"Prune=false, PruneLast"``)."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def read_sync_options(items: Sequence[object]) -> tuple[SyncOptions, list[SyncOptionProblem]]:
    """One layer of options, and one problem per entry that could not be read (left out
    of the options)."""
    fields: dict[str, Any] = {}
    problems: list[SyncOptionProblem] = []
    for index, item in enumerate(items):
        name, sep, raw = str(item).partition("=")
        name = name.strip()
        value = raw.strip() if sep else "true"
        reader = _READERS.get(name)
        if reader is None:
            problems.append(SyncOptionProblem(index, name, _unknown(name), unknown=True))
            continue
        field_name, read = reader
        try:
            fields[field_name] = read(value.lower())
        except ValueError as error:
            message = f"sync option {name}={value!r} is not one of {error}"
            problems.append(SyncOptionProblem(index, name, message, unknown=False))
    return SyncOptions(**fields, explicit=frozenset(fields)), problems


def object_sync_options(text: str | None, owner: str) -> SyncOptions:
    """An object's ``sync-options`` annotation. Unknown names are ignored; an unreadable
    value raises DesiredSetError whose message starts with ``owner`` (the object's id)."""
    options, problems = read_sync_options(split_options(text))
    invalid = [problem.message for problem in problems if not problem.unknown]
    if invalid:
        raise DesiredSetError(f"{owner}: {'; '.join(invalid)}")
    return options


def sync_option_problems(items: Iterable[object], field_name: str) -> list[str]:
    """What is wrong with a ``syncOptions`` list, one message per bad entry naming it."""
    return [problem.at(field_name) for problem in read_sync_options(list(items))[1]]


def _unknown(name: str) -> str:
    near = [known for known in KNOWN_OPTIONS if known.lower() == name.lower()]
    if near:
        return f"unknown sync option {name!r}; did you mean {near[0]!r}?"
    return f"unknown sync option {name!r} (known: {', '.join(sorted(KNOWN_OPTIONS))})"
