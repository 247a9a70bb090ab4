"""Typed views of an Application's spec, parsed once from the raw resource body.

Field names follow Argo CD's ``Application`` spec; the CRD schema in ``crds/`` validates
shapes at the API server, so parsing here is lenient about absent fields and strict about
what the schema cannot express: one of ``source``/``sources``, and the syntax of every
value that reaches a render tool or git (:mod:`gitopsd.model.tool_values`), so a bad one
is a ``SpecError`` naming the field (``spec.source.helm.releaseName: ...``) before
anything runs. Called by the reconciler, the operator and the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gitopsd.errors import SpecError
from gitopsd.model import tool_values as check
from gitopsd.model.annotations import IN_CLUSTER_SERVER, options_from_list
from gitopsd.model.semver import parse_constraint


@dataclass(frozen=True)
class KustomizeOptions:
    images: tuple[str, ...] = ()
    name_prefix: str = ""
    name_suffix: str = ""
    namespace: str = ""
    common_labels: tuple[tuple[str, str], ...] = ()
    common_annotations: tuple[tuple[str, str], ...] = ()
    replicas: tuple[tuple[str, int], ...] = ()  # (name, count)
    patches: tuple[Any, ...] = ()  # raw patch entries, as in a kustomization's `patches:`
    components: tuple[str, ...] = ()


@dataclass(frozen=True)
class HelmOptions:
    release_name: str = ""
    value_files: tuple[str, ...] = ()
    values: str = ""  # a YAML string
    values_object: Any = None
    parameters: tuple[tuple[str, str, bool], ...] = ()  # (name, value, forceString)
    skip_crds: bool = False
    ignore_missing_value_files: bool = False
    # Override the destination namespace and the cluster's capabilities for the render.
    namespace: str = ""
    kube_version: str = ""
    api_versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class JsonnetVariable:
    """One ``extVars``/``tlas`` entry: ``code`` values are Jsonnet, others strings."""

    name: str
    value: str
    code: bool = False


@dataclass(frozen=True)
class JsonnetOptions:
    ext_vars: tuple[JsonnetVariable, ...] = ()
    tlas: tuple[JsonnetVariable, ...] = ()
    libs: tuple[str, ...] = ()  # repository paths searched by ``import``


@dataclass(frozen=True)
class DirectoryOptions:
    recurse: bool = False
    include: str = ""
    exclude: str = ""
    jsonnet: JsonnetOptions = field(default_factory=JsonnetOptions)


@dataclass(frozen=True)
class PluginOptions:
    """``source.plugin``: a config management plugin declared in ``gitopsd-cm``."""

    name: str = ""
    env: tuple[tuple[str, str], ...] = ()  # (name, value), in order
    parameters: tuple[tuple[str, Any], ...] = field(default=(), hash=False)  # (name, raw)


@dataclass(frozen=True)
class Source:
    repo_url: str
    path: str = "."
    target_revision: str = "HEAD"
    chart: str = ""
    ref: str = ""
    kustomize: KustomizeOptions | None = None
    helm: HelmOptions | None = None
    directory: DirectoryOptions | None = None
    plugin: PluginOptions | None = None
    name: str = ""  # Argo CD's source name (for people; not used to render)


@dataclass(frozen=True)
class Destination:
    server: str = ""
    name: str = ""
    namespace: str = ""

    @property
    def is_in_cluster(self) -> bool:
        return self.server == IN_CLUSTER_SERVER or self.name == "in-cluster"


@dataclass(frozen=True)
class Backoff:
    duration_seconds: float = 5.0
    factor: float = 2.0
    max_duration_seconds: float = 180.0


@dataclass(frozen=True)
class Retry:
    limit: int = 0  # 0: no retry; negative: forever (as Argo CD)
    backoff: Backoff = field(default_factory=Backoff)


@dataclass(frozen=True)
class Automated:
    prune: bool = False
    self_heal: bool = False
    allow_empty: bool = False


@dataclass(frozen=True)
class IgnoreDifference:
    group: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    json_pointers: tuple[str, ...] = ()
    jq_path_expressions: tuple[str, ...] = ()
    managed_fields_managers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncPolicy:
    automated: Automated | None = None
    sync_options: tuple[tuple[str, str], ...] = ()  # parsed Key=value pairs, in order
    retry: Retry | None = None
    managed_namespace_metadata: dict[str, Any] | None = field(default=None, hash=False)

    def option(self, key: str) -> str | None:
        for name, value in self.sync_options:
            if name == key:
                return value
        return None


@dataclass(frozen=True)
class ApplicationSpec:
    project: str
    sources: tuple[Source, ...]
    destination: Destination
    sync_policy: SyncPolicy
    ignore_differences: tuple[IgnoreDifference, ...] = ()
    revision_history_limit: int = 10
    multi_source: bool = False  # spec.sources was used rather than spec.source


def parse_duration(
    value: str | int | float | None, default: float, *, field_name: str = ""
) -> float:
    """Parse Go-style durations used by Argo CD (``5s``, ``3m``, ``1h30m``, ``250ms``).

    Raises SpecError (never ValueError) for anything else, naming ``field_name`` if given.
    """
    if value is None or value == "":
        return default
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    total, number = 0.0, ""
    index = 0
    where = f"{field_name}: " if field_name else ""
    while index < len(text):
        char = text[index]
        if char.isdigit() or char == ".":
            number += char
            index += 1
            continue
        unit = text[index : index + 2] if text[index : index + 2] == "ms" else char
        if unit not in units or not number:
            raise SpecError(f"{where}invalid duration {value!r}")
        total += _number(number, value, where) * units[unit]
        number = ""
        index += len(unit)
    if number:  # a bare number means seconds
        total += _number(number, value, where)
    return total


def _number(text: str, value: object, where: str) -> float:
    if text.count(".") > 1 or text == ".":
        raise SpecError(f"{where}invalid duration {value!r}")
    return float(text)


def _pairs(mapping: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(mapping, dict):
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in mapping.items()))


def _require(problem: str | None, field: str) -> None:
    if problem is not None:
        raise SpecError(f"{field}: {problem}")


def _strings(raw: Any, field: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SpecError(f"{field}: expected a list")
    return tuple(str(item) for item in raw)


def _parse_kustomize(raw: dict[str, Any], where: str) -> KustomizeOptions:
    options = KustomizeOptions(
        images=_strings(raw.get("images"), f"{where}.images"),
        name_prefix=str(raw.get("namePrefix") or ""),
        name_suffix=str(raw.get("nameSuffix") or ""),
        namespace=str(raw.get("namespace") or ""),
        common_labels=_pairs(raw.get("commonLabels")),
        common_annotations=_pairs(raw.get("commonAnnotations")),
        replicas=_replicas(raw.get("replicas") or [], f"{where}.replicas"),
        patches=_patches(raw.get("patches") or [], f"{where}.patches"),
        components=_strings(raw.get("components"), f"{where}.components"),
    )
    for index, image in enumerate(options.images):
        _require(check.image_problem(image), f"{where}.images[{index}]")
    _require(check.name_affix_problem(options.name_prefix), f"{where}.namePrefix")
    _require(check.name_affix_problem(options.name_suffix), f"{where}.nameSuffix")
    if options.namespace:
        _require(check.namespace_problem(options.namespace), f"{where}.namespace")
    for key, value in options.common_labels:
        _require(check.label_key_problem(key), f"{where}.commonLabels")
        _require(check.label_value_problem(value), f"{where}.commonLabels[{key}]")
    for key, _ in options.common_annotations:
        _require(check.label_key_problem(key), f"{where}.commonAnnotations")
    for index, component in enumerate(options.components):
        _require(check.path_problem(component), f"{where}.components[{index}]")
    return options


def _replicas(raw: Any, field: str) -> tuple[tuple[str, int], ...]:
    replicas: list[tuple[str, int]] = []
    for index, item in enumerate(raw if isinstance(raw, list) else [raw]):
        name = str(item.get("name") or "") if isinstance(item, dict) else ""
        count = item.get("count") if isinstance(item, dict) else None
        try:
            number = int(str(count))
        except ValueError as error:
            raise SpecError(f"{field}[{index}].count: {count!r} is not a number") from error
        if number < 0:
            raise SpecError(f"{field}[{index}].count: must not be negative")
        _require(check.name_affix_problem(name) if name else "a name is required",
                 f"{field}[{index}].name")  # fmt: skip
        replicas.append((name, number))
    return tuple(replicas)


def _patches(raw: Any, field: str) -> tuple[Any, ...]:
    """Patch entries as a kustomization takes them; a ``path`` must be repo-relative."""
    entries = raw if isinstance(raw, list) else [raw]
    for index, entry in enumerate(entries):
        where = f"{field}[{index}]"
        if not isinstance(entry, dict):
            raise SpecError(f"{where}: expected an object with patch or path")
        path, patch = entry.get("path"), entry.get("patch")
        if not isinstance(path, str) and not isinstance(patch, str):
            raise SpecError(f"{where}: needs a patch (text) or a path (file)")
        if isinstance(path, str):
            _require(check.path_problem(path), f"{where}.path")
    return tuple(entries)


def _refuse_unsupported_helm(raw: dict[str, Any], where: str) -> None:
    """What gitopsd will not do is an error naming it, never silently left out."""
    if raw.get("fileParameters"):
        raise SpecError(
            f"{where}.fileParameters: not supported (Helm's --set-file would read files the "
            "Application names); put the values in a value file"
        )
    if raw.get("passCredentials") is True:
        raise SpecError(
            f"{where}.passCredentials: not supported; chart repository credentials are sent "
            "only to the repository's own server"
        )


def _parse_helm(raw: dict[str, Any], where: str) -> HelmOptions:
    _refuse_unsupported_helm(raw, where)
    params = tuple(
        (str(p.get("name", "")), str(p.get("value", "")), bool(p.get("forceString", False)))
        for p in raw.get("parameters") or []
        if isinstance(p, dict)
    )
    options = HelmOptions(
        release_name=str(raw.get("releaseName") or ""),
        value_files=_strings(raw.get("valueFiles"), f"{where}.valueFiles"),
        values=str(raw.get("values") or ""),
        values_object=raw.get("valuesObject"),
        parameters=params,
        skip_crds=bool(raw.get("skipCrds", False)),
        ignore_missing_value_files=bool(raw.get("ignoreMissingValueFiles", False)),
        namespace=str(raw.get("namespace") or ""),
        kube_version=str(raw.get("kubeVersion") or ""),
        api_versions=_strings(raw.get("apiVersions"), f"{where}.apiVersions"),
    )
    if options.release_name:
        _require(check.release_name_problem(options.release_name), f"{where}.releaseName")
    for index, name in enumerate(options.value_files):
        _require(check.path_problem(name), f"{where}.valueFiles[{index}]")
    for index, (name, value, _) in enumerate(options.parameters):
        _require(check.helm_parameter_name_problem(name), f"{where}.parameters[{index}].name")
        _require(check.helm_parameter_value_problem(value), f"{where}.parameters[{index}].value")
    if options.namespace:
        _require(check.namespace_problem(options.namespace), f"{where}.namespace")
    if options.kube_version:
        _require(check.kube_version_problem(options.kube_version), f"{where}.kubeVersion")
    for index, api_version in enumerate(options.api_versions):
        _require(check.api_version_problem(api_version), f"{where}.apiVersions[{index}]")
    return options


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def _jsonnet_variables(raw: Any, field: str) -> tuple[JsonnetVariable, ...]:
    variables = []
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(item, dict) or not str(item.get("name") or ""):
            raise SpecError(f"{field}[{index}]: expected an object with name and value")
        variables.append(
            JsonnetVariable(
                str(item["name"]), str(item.get("value") or ""), bool(item.get("code", False))
            )
        )
    return tuple(variables)


def _parse_directory(raw: dict[str, Any], where: str) -> DirectoryOptions:
    jsonnet_raw: dict[str, Any] = raw["jsonnet"] if isinstance(raw.get("jsonnet"), dict) else {}
    jsonnet = JsonnetOptions(
        ext_vars=_jsonnet_variables(jsonnet_raw.get("extVars"), f"{where}.jsonnet.extVars"),
        tlas=_jsonnet_variables(jsonnet_raw.get("tlas"), f"{where}.jsonnet.tlas"),
        libs=_strings(jsonnet_raw.get("libs"), f"{where}.jsonnet.libs"),
    )
    for index, lib in enumerate(jsonnet.libs):
        _require(check.path_problem(lib), f"{where}.jsonnet.libs[{index}]")
    return DirectoryOptions(
        recurse=bool(raw.get("recurse", False)),
        include=str(raw.get("include") or ""),
        exclude=str(raw.get("exclude") or ""),
        jsonnet=jsonnet,
    )


def _parse_plugin(raw: dict[str, Any], where: str) -> PluginOptions:
    env = []
    for index, item in enumerate(raw.get("env") or []):
        name = str(item.get("name") or "") if isinstance(item, dict) else ""
        if _ENV_NAME.fullmatch(name) is None:
            raise SpecError(f"{where}.env[{index}].name: {name[:100]!r} is not a variable name")
        env.append((name, str(item.get("value") or "")))
    parameters = tuple(
        (str(p.get("name")), {k: v for k, v in p.items() if k != "name"})
        for p in raw.get("parameters") or []
        if isinstance(p, dict) and p.get("name")
    )
    return PluginOptions(str(raw.get("name") or ""), tuple(env), parameters)


def _check_chart_source(source: Source, where: str) -> None:
    """A ``chart`` source names a chart repository or registry, a chart and a version."""
    _require(check.chart_repo_url_problem(source.repo_url), f"{where}.repoURL")
    _require(check.chart_name_problem(source.chart), f"{where}.chart")
    for name, options in (("kustomize", source.kustomize), ("directory", source.directory),
                          ("plugin", source.plugin)):  # fmt: skip
        if options is not None:
            raise SpecError(f"{where}.{name}: a chart source renders with Helm only")
    revision = source.target_revision.strip()
    pinned = re.fullmatch(r"([^@\s]+)@sha256:[0-9a-f]{64}", revision)
    try:
        parse_constraint(pinned[1] if pinned else ("*" if revision == "HEAD" else revision))
    except SpecError as error:
        raise SpecError(f"{where}.targetRevision: {error}") from error


def parse_source(raw: dict[str, Any], where: str = "spec.source") -> Source:
    """One source; ``where`` names it in errors (``spec.sources[1]``)."""
    if not raw.get("repoURL"):
        raise SpecError(f"{where}.repoURL is required")
    directory = raw.get("directory")
    plugin = raw.get("plugin")
    source = Source(
        repo_url=str(raw["repoURL"]),
        path=str(raw.get("path") or "."),
        target_revision=str(raw.get("targetRevision") or "HEAD"),
        chart=str(raw.get("chart") or ""),
        ref=str(raw.get("ref") or ""),
        kustomize=_parse_kustomize(raw["kustomize"], f"{where}.kustomize")
        if raw.get("kustomize")
        else None,
        helm=_parse_helm(raw["helm"], f"{where}.helm") if raw.get("helm") else None,
        directory=_parse_directory(directory, f"{where}.directory")
        if isinstance(directory, dict)
        else None,
        plugin=_parse_plugin(plugin, f"{where}.plugin") if isinstance(plugin, dict) else None,
        name=str(raw.get("name") or ""),
    )
    if source.chart:
        _check_chart_source(source, where)
        return source
    _require(check.repo_url_problem(source.repo_url), f"{where}.repoURL")
    _require(check.revision_problem(source.target_revision.strip()), f"{where}.targetRevision")
    _require(check.path_problem(source.path), f"{where}.path")
    return source


def _parse_sync_policy(raw: dict[str, Any]) -> SyncPolicy:
    automated_raw = raw.get("automated")
    automated = None
    # ``enabled: false`` (Argo CD's) pauses automated sync and keeps its settings.
    if isinstance(automated_raw, dict) and automated_raw.get("enabled") is not False:
        automated = Automated(
            prune=bool(automated_raw.get("prune", False)),
            self_heal=bool(automated_raw.get("selfHeal", False)),
            allow_empty=bool(automated_raw.get("allowEmpty", False)),
        )
    retry = None
    if isinstance(raw.get("retry"), dict):
        retry_raw = raw["retry"]
        backoff_raw = retry_raw.get("backoff") or {}
        retry = Retry(
            limit=int(retry_raw.get("limit", 0)),
            backoff=Backoff(
                duration_seconds=parse_duration(
                    backoff_raw.get("duration"),
                    5.0,
                    field_name="spec.syncPolicy.retry.backoff.duration",
                ),
                factor=float(backoff_raw.get("factor", 2)),
                max_duration_seconds=parse_duration(
                    backoff_raw.get("maxDuration"),
                    180.0,
                    field_name="spec.syncPolicy.retry.backoff.maxDuration",
                ),
            ),
        )
    options = options_from_list([str(o) for o in raw.get("syncOptions") or []])
    return SyncPolicy(
        automated=automated,
        sync_options=tuple(options.items()),
        retry=retry,
        managed_namespace_metadata=raw.get("managedNamespaceMetadata"),
    )


def _parse_ignore(raw: dict[str, Any]) -> IgnoreDifference:
    return IgnoreDifference(
        group=str(raw.get("group") or ""),
        kind=str(raw.get("kind") or ""),
        name=str(raw.get("name") or ""),
        namespace=str(raw.get("namespace") or ""),
        json_pointers=tuple(str(p) for p in raw.get("jsonPointers") or []),
        jq_path_expressions=tuple(str(p) for p in raw.get("jqPathExpressions") or []),
        managed_fields_managers=tuple(str(p) for p in raw.get("managedFieldsManagers") or []),
    )


def parse_ignore_differences(items: list[dict[str, Any]] | None) -> tuple[IgnoreDifference, ...]:
    return tuple(_parse_ignore(i) for i in items or [] if isinstance(i, dict))


def parse_application_spec(spec: dict[str, Any]) -> ApplicationSpec:
    """Parse ``Application.spec``. Raises SpecError for what the schema cannot express,
    and for values of the wrong shape (never a bare ValueError or TypeError)."""
    try:
        return _parse_application_spec(spec)
    except (ValueError, TypeError, AttributeError) as error:
        raise SpecError(f"spec: {error}") from error


def _parse_application_spec(spec: dict[str, Any]) -> ApplicationSpec:
    if spec.get("source") and spec.get("sources"):
        raise SpecError("spec.source and spec.sources are mutually exclusive")
    if spec.get("sources"):
        sources = tuple(
            parse_source(s, f"spec.sources[{i}]") for i, s in enumerate(spec["sources"])
        )
        multi = True
    elif spec.get("source"):
        sources = (parse_source(spec["source"]),)
        multi = False
    else:
        raise SpecError("spec.source or spec.sources is required")
    return ApplicationSpec(
        project=str(spec.get("project") or "default"),
        sources=sources,
        destination=parse_destination(spec),
        sync_policy=_parse_sync_policy(spec.get("syncPolicy") or {}),
        ignore_differences=parse_ignore_differences(spec.get("ignoreDifferences")),
        revision_history_limit=int(spec.get("revisionHistoryLimit", 10)),
        multi_source=multi,
    )


def parse_destination(spec: dict[str, Any]) -> Destination:
    """``spec.destination`` alone (deletion needs it even when the rest is invalid)."""
    dest_raw = spec.get("destination") or {}
    destination = Destination(
        server=str(dest_raw.get("server") or ""),
        name=str(dest_raw.get("name") or ""),
        namespace=str(dest_raw.get("namespace") or ""),
    )
    if destination.server and destination.name:
        raise SpecError("spec.destination: server and name are mutually exclusive")
    if not (destination.server or destination.name):
        raise SpecError("spec.destination.server or spec.destination.name is required")
    if destination.namespace:
        _require(check.namespace_problem(destination.namespace), "spec.destination.namespace")
    return destination
