"""``gitopsd render``: print what an Application, a repository path or a local directory
would deploy, as a YAML stream, without touching any cluster.

Three forms::

    gitopsd render -f application.yaml            # its sources, fetched from Git
    gitopsd render --repo URL --revision REV --path PATH
    gitopsd render ./path                        # a local directory, tool autodetected

Secret values are masked in the output. Exits 1 with the error on stderr on failure.
Registered by :mod:`gitopsd.cli.main`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from gitopsd.cli.output import read_application
from gitopsd.errors import ConfigError
from gitopsd.model.secrets import mask_secret
from gitopsd.render import (
    CachedRenderer,
    ManifestGenerator,
    RenderContext,
    render_source,
)
from gitopsd.render.rendering import RenderExtensions
from gitopsd.source import ChartRepositories, GitRepositories
from gitopsd.source.checkouts import scratch_tree
from gitopsd.spec import ApplicationSpec, Source, parse_application_spec

DEFAULT_KUBE_VERSION = RenderContext("", "").kube_version


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "render",
        help="print the manifests an Application or path would deploy",
        description="Render an Application (-f), a repository path (--repo) or a local "
        "directory to the YAML stream gitopsd would deploy. Secret values are masked.",
    )
    parser.add_argument("directory", nargs="?", help="a local directory to render")
    parser.add_argument("-f", "--filename", help="an Application manifest")
    parser.add_argument("--repo", help="repository URL")
    parser.add_argument("--revision", default="HEAD", help="branch, tag or SHA (default HEAD)")
    parser.add_argument("--path", default=".", help="path inside the repository")
    parser.add_argument("--repo-root", help="for DIRECTORY: the repository it belongs to")
    parser.add_argument("--app-name", help="application name (Helm release name)")
    parser.add_argument("--namespace", default="", help="destination namespace")
    parser.add_argument("--kube-version", default=DEFAULT_KUBE_VERSION)
    parser.add_argument("--cache-dir", help="Git cache (default $XDG_CACHE_HOME/gitopsd)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    forms = [bool(args.directory), bool(args.filename), bool(args.repo)]
    if sum(forms) != 1:
        raise ConfigError("give exactly one of DIRECTORY, -f FILE or --repo URL")
    if args.directory:
        objects = _render_directory(args)
    else:
        spec, name, namespace = _spec_from_args(args)
        context = RenderContext(
            app_name=args.app_name or name,
            namespace=args.namespace or namespace,
            kube_version=args.kube_version,
        )
        with _cache_dir(args.cache_dir) as cache:
            charts = ChartRepositories(cache)
            renderer = CachedRenderer(extensions=RenderExtensions(charts=charts))
            generator = ManifestGenerator(GitRepositories(cache), renderer, charts)
            objects = list(generator.generate(spec, context).objects)
    sys.stdout.write(to_yaml_stream(objects))
    return 0


def to_yaml_stream(objects: Sequence[dict[str, Any]]) -> str:
    """A ``---``-separated stream with Secret values masked."""
    documents = [mask_secret(obj) for obj in objects]
    return yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True) if documents else ""


def _render_directory(args: argparse.Namespace) -> list[dict[str, Any]]:
    local = local_source(args.directory, args.repo_root)
    context = RenderContext(
        app_name=args.app_name or local.directory.name,
        namespace=args.namespace,
        kube_version=args.kube_version,
    )
    return render_source(local.source, local.root, context)


class LocalSource(NamedTuple):
    directory: Path  # resolved
    root: Path  # the repository it belongs to (see repository_root)
    source: Source  # the directory as a path of that repository


def local_source(path: str, repo_root: str | None) -> LocalSource:
    """A local directory (``gitopsd render DIR``, ``gitopsd diff DIR``) as a Source."""
    directory = Path(path).resolve()
    if not directory.is_dir():
        raise ConfigError(f"{path}: not a directory")
    root = repository_root(directory, repo_root)
    source = Source(repo_url=root.as_uri(), path=directory.relative_to(root).as_posix())
    return LocalSource(directory, root, source)


def repository_root(directory: Path, explicit: str | None = None) -> Path:
    """What ``../base`` references may reach: ``--repo-root``, else the nearest enclosing
    Git work tree, else the current directory when it contains ``directory``, else itself.
    """
    if explicit:
        root = Path(explicit).resolve()
        if not directory.is_relative_to(root):
            raise ConfigError(f"{directory}: not inside --repo-root {explicit}")
        return root
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    cwd = Path.cwd().resolve()
    return cwd if directory.is_relative_to(cwd) else directory


def _spec_from_args(args: argparse.Namespace) -> tuple[ApplicationSpec, str, str]:
    if args.repo:
        raw = {
            "source": {"repoURL": args.repo, "targetRevision": args.revision, "path": args.path},
            "destination": {"server": "https://kubernetes.default.svc"},
        }
        name = Path(args.path.rstrip("/")).name or "app"
        return parse_application_spec(raw), name if name != "." else "app", ""
    application = read_application(Path(args.filename))
    spec = parse_application_spec(application.get("spec") or {})
    name = str((application.get("metadata") or {}).get("name") or "app")
    return spec, name, spec.destination.namespace


@contextmanager
def _cache_dir(explicit: str | None) -> Iterator[Path]:
    if explicit:
        yield Path(explicit)
        return
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        yield Path(xdg) / "gitopsd"
        return
    with scratch_tree("gitopsd-render-") as scratch:
        yield scratch
