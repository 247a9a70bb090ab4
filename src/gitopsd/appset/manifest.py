"""Typed view of an ApplicationSet resource, parsed once from its raw body.

Field names follow Argo CD's ``ApplicationSet``. Parsing is lenient about absent fields
and strict about what would make generation guess (no generators, no template, unknown
policy or template options). Called by :mod:`gitopsd.appset.generate`,
:mod:`gitopsd.appset.reconcile` and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitopsd.appset.gotemplate import MissingKey, missing_key_option
from gitopsd.appset.vocab import ApplicationsSync
from gitopsd.errors import SpecError
from gitopsd.model.keys import ResourceKey

# Both the gitopsd group and Argo CD's are accepted, so an Argo CD manifest previews as-is.
ACCEPTED_GROUPS = ("gitopsd.io", "argoproj.io")


@dataclass(frozen=True)
class AppSetSpec:
    name: str
    namespace: str
    uid: str
    generators: tuple[dict[str, Any], ...] = field(hash=False)
    template: dict[str, Any] = field(hash=False)
    go_template: bool = False
    missing_key: MissingKey = MissingKey.DEFAULT
    applications_sync: ApplicationsSync | None = None  # None: not set in the manifest
    preserve_resources_on_deletion: bool = False
    preserved_annotations: tuple[str, ...] = ()
    preserved_labels: tuple[str, ...] = ()

    @property
    def key(self) -> ResourceKey:
        return ResourceKey("gitopsd.io", "ApplicationSet", self.namespace, self.name)

    @property
    def id(self) -> str:
        return str(self.key)


def parse_appset(body: dict[str, Any], *, default_namespace: str = "gitopsd") -> AppSetSpec:
    """Parse an ApplicationSet body. Raises SpecError (message starts with its id)."""
    meta = body.get("metadata") or {}
    name = str(meta.get("name") or "")
    namespace = str(meta.get("namespace") or default_namespace)
    ident = str(ResourceKey("gitopsd.io", "ApplicationSet", namespace, name))
    try:
        return _parse(body, name, namespace, str(meta.get("uid") or ""))
    except SpecError as error:
        raise SpecError(f"{ident}: {error}") from error


def _parse(body: dict[str, Any], name: str, namespace: str, uid: str) -> AppSetSpec:
    group = str(body.get("apiVersion", "")).partition("/")[0]
    if body.get("kind") != "ApplicationSet" or group not in ACCEPTED_GROUPS:
        raise SpecError(f"not an ApplicationSet (apiVersion {body.get('apiVersion')!r})")
    if not name:
        raise SpecError("metadata.name is required")
    spec = body.get("spec")
    if not isinstance(spec, dict):
        raise SpecError("spec is required")
    generators = spec.get("generators")
    if not isinstance(generators, list) or not all(isinstance(g, dict) for g in generators):
        raise SpecError("spec.generators must be a list of generators")
    template = spec.get("template") or {}
    if not isinstance(template, dict):
        raise SpecError("spec.template must be an object")
    sync_policy = spec.get("syncPolicy") or {}
    preserved = spec.get("preservedFields") or {}
    return AppSetSpec(
        name=name,
        namespace=namespace,
        uid=uid,
        generators=tuple(generators),
        template=template,
        go_template=bool(spec.get("goTemplate", False)),
        missing_key=missing_key_option(spec.get("goTemplateOptions") or []),
        applications_sync=_policy(sync_policy.get("applicationsSync")),
        preserve_resources_on_deletion=bool(sync_policy.get("preserveResourcesOnDeletion")),
        preserved_annotations=tuple(str(a) for a in preserved.get("annotations") or []),
        preserved_labels=tuple(str(label) for label in preserved.get("labels") or []),
    )


def _policy(value: Any) -> ApplicationsSync | None:
    if value is None or value == "":
        return None
    try:
        return ApplicationsSync(str(value))
    except ValueError as error:
        choices = ", ".join(p.value for p in ApplicationsSync)
        raise SpecError(f"syncPolicy.applicationsSync {value!r} is not one of {choices}") from error
