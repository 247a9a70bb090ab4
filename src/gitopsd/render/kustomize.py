"""Kustomize sources, with the Application's ``kustomize`` overrides applied.

The overrides are applied as Argo CD applies them with ``kustomize edit``: ``images`` and
``replicas`` replace the entry of the same name; ``namePrefix``, ``nameSuffix`` and
``namespace`` replace; ``commonLabels``/``commonAnnotations`` merge; ``patches`` and
``components`` append. The checkout is read-only, so the app directory is copied into a
temporary tree that mirrors the repository (every other entry on the way down is a
symlink back into the checkout), so relative bases such as ``../base`` still resolve, and
the copy's kustomization is edited (the overrides are data in that file, never command-line
words; patch files and components they add are checked like the kustomization's own
references). kustomize runs with ``LoadRestrictionsRootOnly``, no plugins, no exec
functions and no network (:mod:`gitopsd.render.sandbox`); with ``--enable-helm`` only when
a kustomization has ``helmCharts``, whose charts gitopsd fetched into writable copies of
those kustomizations first (:mod:`gitopsd.render.kustomize_helm`); all after
:func:`gitopsd.render.kustomize_refs.scan_kustomizations` has checked every reference;
its command line is :func:`kustomize_build_argv`, with the directory after ``--``.
Called by :func:`gitopsd.render.rendering.render_source`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from gitopsd.errors import ManifestError, RenderError
from gitopsd.render.chart_deps import ChartSource
from gitopsd.render.context import RenderContext, RenderLimits
from gitopsd.render.kustomize_helm import helm_directories, prepare_helm_charts
from gitopsd.render.kustomize_refs import (
    find_kustomization,
    load_kustomization,
    scan_kustomizations,
)
from gitopsd.render.manifests import Rendered, parse_stream
from gitopsd.render.paths import RepoPath, is_under
from gitopsd.render.runner import ToolRun, ToolRunner
from gitopsd.render.sandbox import sealed_environment
from gitopsd.render.tools import find_binary
from gitopsd.spec import KustomizeOptions

LOAD_RESTRICTOR = "LoadRestrictionsRootOnly"


def render_kustomize(
    root: Path,
    app: RepoPath,
    options: KustomizeOptions | None,
    *,
    limits: RenderLimits,
    runner: ToolRunner,
    binary: str,
    subject: str,
    charts: ChartSource | None = None,
    context: RenderContext | None = None,
    helm_binary: str = "helm",
) -> Rendered:
    if find_kustomization(app.real) is None:
        raise ManifestError(f"{subject}: no kustomization.yaml in {app.relative}")
    scanned = scan_kustomizations(
        root,
        app.real,
        subject,
        allow_remote=limits.allow_remote_bases,
        extra=added_references(options),
    )
    dependencies = scanned.dependencies
    if limits.allow_remote_bases:
        dependencies = frozenset({"."})  # remote bases can change with any commit; be safe
    executable = find_binary(binary, subject)
    offline = not limits.allow_remote_bases
    helm_dirs = helm_directories(root.resolve(), scanned.directories)
    helm = find_binary(helm_binary, subject) if helm_dirs else None
    with tempfile.TemporaryDirectory(prefix="gitopsd-kustomize-") as scratch:
        build_dir = app.real
        mirror = Path(scratch) / "repo"
        if helm_dirs:
            # Every kustomization becomes a real copy, so relative bases resolve to the
            # copies that hold the fetched charts rather than to the read-only checkout.
            mirror_tree(root, [*scanned.directories, app.relative], mirror)
            build_dir = mirror / app.relative
            for relative in helm_dirs:
                prepare_helm_charts(
                    mirror / relative, root.resolve() / relative, charts=charts,
                    context=context or RenderContext(app_name="", namespace=""),
                    subject=subject,
                )  # fmt: skip
        elif options is not None and has_overrides(options):
            build_dir = mirror_app(root, app, mirror)
        if options is not None and has_overrides(options):
            apply_overrides(build_dir, options)
        call = ToolRun(
            argv=kustomize_build_argv(executable, build_dir, helm=helm),
            cwd=Path(scratch),
            env=sealed_environment(Path(scratch) / "env", offline=offline),
            timeout_seconds=limits.timeout_seconds,
            max_bytes=limits.max_bytes,
            subject=subject,
            offline=offline,
            paths={
                str(mirror): "",
                str(mirror.resolve()): "",
                str(root): "",
                str(root.resolve()): "",
            },
            secrets=scanned.secrets,
        )
        output = runner.run(call)
    objects = parse_stream(output.decode("utf-8", "replace"), f"{subject}: kustomize output")
    return Rendered(objects=objects, dependencies=dependencies)


def kustomize_build_argv(executable: str, build_dir: Path, *, helm: str | None = None) -> list[str]:
    """``kustomize build``, restricted to the kustomization's root, the directory last;
    with ``helm`` (an absolute path), Helm charts are inflated with that binary."""
    if not build_dir.is_absolute() or (helm is not None and not Path(helm).is_absolute()):
        raise RenderError(f"{build_dir.name}: kustomize is given only absolute paths")
    argv = [executable, "build", f"--load-restrictor={LOAD_RESTRICTOR}"]
    if helm is not None:
        argv += ["--enable-helm", f"--helm-command={helm}"]
    return [*argv, "--", str(build_dir)]


def mirror_tree(root: Path, copies: list[str], target: Path) -> None:
    """A mirror of ``root`` in ``target`` where the ``copies`` (repository paths) are
    writable copies and everything else is a symlink back into the checkout."""
    wanted = sorted(set(copies))
    tops = [c for c in wanted if not any(o != c and is_under(c, o) for o in wanted)]
    if "." in tops:
        _copy_tree(root.resolve(), target)
        return

    def build(source: Path, destination: Path, prefix: str) -> None:
        destination.mkdir(parents=True, exist_ok=True)
        for entry in source.iterdir():
            relative = f"{prefix}{entry.name}"
            if relative in tops:
                _copy_tree(entry, destination / entry.name)
            elif any(top.startswith(f"{relative}/") for top in tops):
                build(entry, destination / entry.name, f"{relative}/")
            else:
                (destination / entry.name).symlink_to(entry)

    build(root.resolve(), target, "")


def added_references(options: KustomizeOptions | None) -> tuple[str, ...]:
    """Files and directories the Application's overrides make kustomize read."""
    if options is None:
        return ()
    patch_files = tuple(
        str(patch["path"])
        for patch in options.patches
        if isinstance(patch, dict) and isinstance(patch.get("path"), str)
    )
    return (*options.components, *patch_files)


def has_overrides(options: KustomizeOptions) -> bool:
    return options != KustomizeOptions()


def mirror_app(root: Path, app: RepoPath, target: Path) -> Path:
    """A writable copy of ``app`` at the same relative place in a mirror of ``root``."""
    source = root.resolve()
    destination = target
    for part in Path(app.relative).parts if app.relative != "." else ():
        destination.mkdir(parents=True, exist_ok=True)
        for entry in source.iterdir():
            if entry.name != part:
                (destination / entry.name).symlink_to(entry)
        source, destination = source / part, destination / part
    _copy_tree(source, destination)
    return destination


def _copy_tree(source: Path, destination: Path) -> None:
    """Copy files (writable, no permissions copied) and symlinks (as symlinks)."""
    for current, dirnames, filenames in os.walk(source):
        relative = Path(current).relative_to(source)
        (destination / relative).mkdir(parents=True, exist_ok=True)
        for name in [*dirnames, *filenames]:
            entry, copy = Path(current, name), destination / relative / name
            if entry.is_symlink():
                copy.symlink_to(os.readlink(entry))
            elif entry.is_file():
                shutil.copyfile(entry, copy)
        dirnames[:] = [d for d in dirnames if not Path(current, d).is_symlink()]


def apply_overrides(build_dir: Path, options: KustomizeOptions) -> None:
    """Edit the kustomization in ``build_dir`` as ``kustomize edit`` would."""
    file = find_kustomization(build_dir)
    assert file is not None  # checked by the caller before copying
    document = load_kustomization(file, str(file.name))
    edit_kustomization(document, options)
    file.write_text(yaml.safe_dump(document, sort_keys=False))


def edit_kustomization(document: dict[str, Any], options: KustomizeOptions) -> None:
    """Apply ``options`` to a parsed kustomization in place (pure)."""
    for field, value in (
        ("namePrefix", options.name_prefix),
        ("nameSuffix", options.name_suffix),
        ("namespace", options.namespace),
    ):
        if value:
            document[field] = value
    for field, pairs in (
        ("commonLabels", options.common_labels),
        ("commonAnnotations", options.common_annotations),
    ):
        if pairs:
            document[field] = {**(document.get(field) or {}), **dict(pairs)}
    if options.images:
        images: list[dict[str, Any]] = [parse_image(image) for image in options.images]
        document["images"] = _merge_by(document.get("images"), images, "name")
    if options.replicas:
        updates: list[dict[str, Any]] = [
            {"name": name, "count": count} for name, count in options.replicas
        ]
        document["replicas"] = _merge_by(document.get("replicas"), updates, "name")
    if options.patches:
        document["patches"] = [*(document.get("patches") or []), *options.patches]
    if options.components:
        existing = list(document.get("components") or [])
        document["components"] = existing + [c for c in options.components if c not in existing]


def _merge_by(existing: Any, updates: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """``existing`` with each update replacing the entry of the same ``key`` (or appended),
    as ``kustomize edit set image``/``set replicas`` do."""
    merged = [dict(item) for item in existing or [] if isinstance(item, dict)]
    for update in updates:
        positions = [i for i, item in enumerate(merged) if item.get(key) == update[key]]
        if positions:
            merged[positions[0]] = update
        else:
            merged.append(update)
    return merged


def parse_image(text: str) -> dict[str, str]:
    """Argo CD's image override syntax to a kustomization ``images`` entry.

    ``nginx:1.25``, ``nginx@sha256:…``, ``nginx=registry/nginx:1.25`` (rename, as
    ``kustomize edit set image``).
    """
    name, sep, replacement = text.strip().partition("=")
    reference = replacement if sep else name
    image, digest = _split_digest(reference)
    image, tag = _split_tag(image)
    entry = {"name": _split_tag(_split_digest(name)[0])[0] if not sep else name}
    if sep and image != entry["name"]:
        entry["newName"] = image
    if tag:
        entry["newTag"] = tag
    if digest:
        entry["digest"] = digest
    return entry


def _split_digest(reference: str) -> tuple[str, str]:
    image, _, digest = reference.partition("@")
    return image, digest


def _split_tag(image: str) -> tuple[str, str]:
    slash, colon = image.rfind("/"), image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon + 1 :]
    return image, ""
