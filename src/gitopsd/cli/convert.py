"""``gitopsd convert``: rewrite Argo CD manifests (a file, a directory or stdin) for gitopsd.

Prints the converted YAML stream, or writes files under ``-o DIR`` mirroring the input
tree, or rewrites the files in place. Warnings go to stderr. Exit codes: 0 converted
(warnings allowed), 1 unreadable input, 3 with ``--strict`` when a field could not be
carried over (nothing is written then).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gitopsd.convert import (
    DEFAULT_NAMESPACE,
    FileConversion,
    convert_path,
    convert_text,
    dump_documents,
)
from gitopsd.errors import ConfigError

EXIT_NOT_CARRIED = 3

EPILOG = """\
Argo CD Application, AppProject and ApplicationSet manifests move to apiVersion
gitopsd.io/v1alpha1 and the namespace given by --namespace; resources finalizers,
secret-type labels, tracking-id annotations and the argocd-cm ConfigMap are renamed.
sync-wave, hook, sync-options and compare-options annotations are honoured as they are.
Fields gitopsd cannot honour are kept and reported on stderr as FILE[DOC]: OBJECT: FIELD.

YAML comments are not kept in rewritten files. With --in-place, only files that change
are rewritten; with -o DIR, unchanged files are copied as they are.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert Argo CD manifests to gitopsd",
        description="Convert Argo CD manifests to gitopsd manifests.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", metavar="FILE|DIR", help="a manifest file, a directory, or -")
    parser.add_argument(
        "-n",
        "--namespace",
        default=DEFAULT_NAMESPACE,
        help="namespace for objects in Argo CD's argocd namespace (default: %(default)s)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output-dir", metavar="DIR", help="write files mirroring the input")
    where.add_argument("--in-place", action="store_true", help="rewrite the input files")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 and write nothing when any field could not be carried over",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    files = _convert(args)
    warnings = [w for f in files for w in f.result.warnings]
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.strict and warnings:
        print(f"error: {len(warnings)} field(s) could not be carried over", file=sys.stderr)
        return EXIT_NOT_CARRIED
    if args.in_place:
        _write_in_place(files)
    elif args.output_dir:
        _write_tree(files, Path(args.output_dir))
    else:
        sys.stdout.write(dump_documents([d for f in files for d in f.result.documents]))
    return 0


def _convert(args: argparse.Namespace) -> tuple[FileConversion, ...]:
    if args.path != "-":
        if not Path(args.path).exists():
            raise ConfigError(f"{args.path}: no such file or directory")
        return convert_path(args.path, namespace=args.namespace).files
    if args.in_place or args.output_dir:
        raise ConfigError("-o and --in-place need a file or directory, not stdin")
    original, result = convert_text(sys.stdin.read(), source="-", namespace=args.namespace)
    return (FileConversion(Path("-"), Path("-"), original, result),)


def _write_in_place(files: tuple[FileConversion, ...]) -> None:
    for conversion in files:
        if conversion.changed:
            conversion.path.write_text(conversion.render(), encoding="utf-8")


def _write_tree(files: tuple[FileConversion, ...], out_dir: Path) -> None:
    for conversion in files:
        target = out_dir / conversion.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if conversion.changed:
            target.write_text(conversion.render(), encoding="utf-8")
        else:
            target.write_bytes(conversion.path.read_bytes())
