"""Config management plugins: administrator-declared commands that render a source.

Off unless the administrator turns them on. ``gitopsd-cm`` declares them in Argo CD's
``ConfigManagementPlugin`` shape under ``configManagementPlugins`` (a YAML list, or a
stream of documents) and enables them with ``plugins.enabled: "true"``::

    apiVersion: argoproj.io/v1alpha1
    kind: ConfigManagementPlugin
    metadata: {name: envsubst}
    spec:
      version: v1            # the plugin is then called "envsubst-v1", as in Argo CD
      init: {command: [sh, -c], args: ["..."]}
      generate: {command: [sh, -c], args: ["cat *.yaml | envsubst"]}
      discover: {fileName: "*.tmpl"}        # or find: {glob: "**/x.yaml"}
      allowNetwork: false    # gitopsd's own: true gives the plugin the network

An Application selects one with ``source.plugin.name`` (or, without a name, the first
whose ``discover`` matches its path). Trust model: only who can write ``gitopsd-cm`` in
the control-plane namespace declares plugins, so a plugin's commands are the
administrator's; an Application chooses only which plugin, its ``env`` (passed as
``ARGOCD_ENV_<NAME>``) and ``parameters`` (``ARGOCD_APP_PARAMETERS`` and ``PARAM_<NAME>``),
never a command. A plugin runs on a scratch copy of the repository, in the render sandbox:
fresh ``HOME``, no inherited environment or credentials, no network unless it declares
``allowNetwork``, the render time and size limits; or, in the chart, in a sidecar over a
Unix socket (:mod:`gitopsd.render.plugin_socket`) that has no ServiceAccount token. The
sandbox does not hide files, so where the controller has a token file (in a pod) plugins
run only in sidecars.
Called by :func:`gitopsd.render.rendering.render_source`.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitopsd.errors import ConfigError, RenderError, SpecError
from gitopsd.render.context import RenderContext, RenderLimits
from gitopsd.render.manifests import Rendered, parse_stream
from gitopsd.render.paths import RepoPath, check_symlinks
from gitopsd.render.runner import ToolRun, ToolRunner
from gitopsd.render.sandbox import sealed_environment
from gitopsd.source.globs import glob_match
from gitopsd.spec import Source

# Where Kubernetes mounts a pod's ServiceAccount token. A plugin that would run in the
# controller's own container while this exists could read it, so it must run in a sidecar.
SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")
PLUGINS_KEY = "configManagementPlugins"
ENABLED_KEY = "plugins.enabled"
SOCKET_DIR_KEY = "plugins.socketDir"
_PARAM_NAME = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class Command:
    command: tuple[str, ...]
    args: tuple[str, ...] = ()

    @property
    def argv(self) -> list[str]:
        return [*self.command, *self.args]


@dataclass(frozen=True)
class Plugin:
    """One declared plugin; ``name`` is ``<metadata.name>[-<spec.version>]``."""

    name: str
    generate: Command
    init: Command | None = None
    discover_file: str = ""
    discover_glob: str = ""
    allow_network: bool = False


@dataclass(frozen=True)
class PluginRegistry:
    """The plugins ``gitopsd-cm`` declares, and whether they may run at all.

    With ``socket_dir`` (``plugins.socketDir``), plugins run in sidecars listening on
    ``<socket_dir>/<name>.sock`` (:mod:`gitopsd.render.plugin_socket`) instead of in the
    controller's own render sandbox.
    """

    enabled: bool = False
    plugins: tuple[Plugin, ...] = ()
    socket_dir: str = ""

    def select(self, wanted: str, app_dir: Path, subject: str) -> Plugin:
        if not self.enabled:
            raise RenderError(
                f"{subject}: config management plugins are disabled on this controller "
                f'(gitopsd-cm {ENABLED_KEY} is not "true")'
            )
        if wanted:
            for plugin in self.plugins:
                if plugin.name == wanted:
                    return plugin
            known = ", ".join(p.name for p in self.plugins) or "none"
            raise RenderError(f"{subject}: no plugin {wanted!r} is declared (declared: {known})")
        for plugin in self.plugins:
            if _discovers(plugin, app_dir):
                return plugin
        raise RenderError(f"{subject}: no declared plugin's discover rule matches the path")


def registry_from_configmap(data: Mapping[str, str]) -> PluginRegistry:
    """Parse ``gitopsd-cm``; ConfigError naming the plugin for a bad declaration."""
    enabled = str(data.get(ENABLED_KEY, "")).strip().lower() == "true"
    socket_dir = str(data.get(SOCKET_DIR_KEY, "")).strip()
    text = data.get(PLUGINS_KEY, "")
    try:
        documents = [d for d in yaml.safe_load_all(text) if d] if text else []
    except yaml.YAMLError as error:
        raise ConfigError(f"gitopsd-cm {PLUGINS_KEY}: not valid YAML") from error
    items = [i for d in documents for i in (d if isinstance(d, list) else [d])]
    return PluginRegistry(enabled, plugins_from_documents(items), socket_dir)


def plugins_from_documents(items: Sequence[Any]) -> tuple[Plugin, ...]:
    """Plugins from parsed ``ConfigManagementPlugin`` documents (the sidecar's config too)."""
    return tuple(_plugin(item) for item in items)


def _plugin(item: Any) -> Plugin:
    if not isinstance(item, dict) or not isinstance(item.get("spec"), dict):
        raise ConfigError(f"gitopsd-cm {PLUGINS_KEY}: each entry is a ConfigManagementPlugin")
    meta, spec = item.get("metadata") or {}, item["spec"]
    name = str(meta.get("name") or item.get("name") or "")
    if not name:
        raise ConfigError(f"gitopsd-cm {PLUGINS_KEY}: a plugin has no metadata.name")
    if spec.get("version"):
        name = f"{name}-{spec['version']}"
    generate = _command(spec.get("generate"), name, "generate")
    if generate is None:
        raise ConfigError(f"gitopsd-cm {PLUGINS_KEY}: plugin {name} has no generate command")
    discover = spec.get("discover") or {}
    find = discover.get("find") or {}
    return Plugin(
        name=name,
        generate=generate,
        init=_command(spec.get("init"), name, "init"),
        discover_file=str(discover.get("fileName") or ""),
        discover_glob=str(find.get("glob") or ""),
        allow_network=bool(spec.get("allowNetwork", False)),
    )


def _command(raw: Any, name: str, what: str) -> Command | None:
    if not isinstance(raw, dict) or not raw.get("command"):
        return None
    command, args = raw.get("command"), raw.get("args") or []
    if not isinstance(command, list) or not isinstance(args, list):
        raise ConfigError(f"gitopsd-cm: plugin {name} {what}: command and args are lists")
    return Command(tuple(str(c) for c in command), tuple(str(a) for a in args))


def _discovers(plugin: Plugin, app_dir: Path) -> bool:
    files = [p.relative_to(app_dir).as_posix() for p in app_dir.rglob("*") if p.is_file()]
    if plugin.discover_file:
        pattern = plugin.discover_file.removeprefix("./")
        return any(glob_match(pattern, f, path_aware=False) for f in files)
    if plugin.discover_glob:
        return any(glob_match(plugin.discover_glob, f) for f in files)
    return False


def plugin_env(source: Source, context: RenderContext, revision: str) -> dict[str, str]:
    """Argo CD's build environment for a plugin, with gitopsd's names alongside."""
    assert source.plugin is not None
    parameters = [{"name": name, **value} for name, value in source.plugin.parameters]
    env = {
        "ARGOCD_APP_NAME": context.app_name,
        "ARGOCD_APP_NAMESPACE": context.namespace,
        "ARGOCD_APP_REVISION": revision,
        "ARGOCD_APP_REVISION_SHORT": revision[:7],
        "ARGOCD_APP_SOURCE_PATH": source.path,
        "ARGOCD_APP_SOURCE_REPO_URL": source.repo_url,
        "ARGOCD_APP_SOURCE_TARGET_REVISION": source.target_revision,
        "ARGOCD_APP_PARAMETERS": json.dumps(parameters, sort_keys=True),
        "KUBE_VERSION": context.kube_version.lstrip("v"),
        "KUBE_API_VERSIONS": ",".join(context.api_versions),
    }
    env |= {
        k.replace("ARGOCD_", "GITOPSD_", 1): v
        for k, v in list(env.items())
        if k.startswith("ARGOCD_")
    }
    for name, value in source.plugin.parameters:
        env.update(_parameter_env(name, value))
    for name, value in source.plugin.env:
        env[f"ARGOCD_ENV_{name}"] = value
    return env


def _parameter_env(name: str, value: dict[str, Any]) -> dict[str, str]:
    """Argo CD's ``PARAM_<NAME>`` (string), ``PARAM_<NAME>_<INDEX>`` (array) and
    ``PARAM_<NAME>_<KEY>`` (map) variables, names upper-cased with ``_`` for others."""
    prefix = f"PARAM_{_PARAM_NAME.sub('_', name).upper()}"
    found: dict[str, str] = {}
    if isinstance(value.get("string"), str):
        found[prefix] = value["string"]
    for index, item in enumerate(value.get("array") or []):
        found[f"{prefix}_{index}"] = str(item)
    for key, item in (value.get("map") or {}).items():
        found[f"{prefix}_{_PARAM_NAME.sub('_', str(key)).upper()}"] = str(item)
    return found


def render_plugin(
    root: Path,
    app: RepoPath,
    source: Source,
    registry: PluginRegistry,
    *,
    context: RenderContext,
    limits: RenderLimits,
    runner: ToolRunner,
    subject: str,
    revision: str = "",
) -> Rendered:
    """Run the selected plugin's init and generate over a scratch copy of the repository."""
    assert source.plugin is not None
    plugin = registry.select(source.plugin.name, app.real, subject)
    if not registry.socket_dir and SERVICE_ACCOUNT_TOKEN.exists():
        raise RenderError(
            f"{subject}: plugin {plugin.name} would run next to the controller's "
            f"ServiceAccount token; set {SOCKET_DIR_KEY} and run plugins in sidecars"
        )
    dependencies = frozenset({".", *check_symlinks(root, [app.real], subject)})
    with tempfile.TemporaryDirectory(prefix="gitopsd-plugin-") as scratch:
        tree = Path(scratch) / "repo"
        shutil.copytree(root, tree, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        env = {**sealed_environment(Path(scratch) / "env", offline=not plugin.allow_network),
               **plugin_env(source, context, revision)}  # fmt: skip
        call = ToolRun(
            argv=plugin.generate.argv,
            cwd=tree / app.relative,
            env=env,
            timeout_seconds=limits.timeout_seconds,
            max_bytes=limits.max_bytes,
            subject=f"{subject}: plugin {plugin.name}",
            offline=not plugin.allow_network,
            paths={str(tree): "", str(tree.resolve()): ""},
            secrets=tuple(v for _, v in source.plugin.env if v),
        )
        if registry.socket_dir:
            # The sidecar client builds on this module, so it is imported when used.
            from gitopsd.render.plugin_socket import SocketPluginRunner

            runner_ = SocketPluginRunner(Path(registry.socket_dir))
            output = runner_.run(plugin, tree, app.relative, env, call)
        else:
            output = run_locally(plugin, call, runner)
    objects = parse_stream(output.decode("utf-8", "replace"), f"{subject}: plugin output")
    return Rendered(objects=objects, dependencies=dependencies)


def run_locally(plugin: Plugin, call: ToolRun, runner: ToolRunner) -> bytes:
    """``init`` (its output discarded) then ``generate``, each under the call's limits."""
    if not plugin.generate.command:
        raise SpecError(f"{call.subject}: the plugin has no generate command")
    if plugin.init is not None:
        runner.run(_with_argv(call, plugin.init.argv))
    return runner.run(_with_argv(call, plugin.generate.argv))


def _with_argv(call: ToolRun, argv: Sequence[str]) -> ToolRun:
    return ToolRun(
        argv=list(argv), cwd=call.cwd, env=call.env, timeout_seconds=call.timeout_seconds,
        max_bytes=call.max_bytes, subject=call.subject, offline=call.offline,
        paths=call.paths, secrets=call.secrets,
    )  # fmt: skip
