"""``gitopsd plugin serve``: a config management plugin's sidecar.

Listens on a Unix socket (``--socket``, in a directory only the controller's pod shares)
and renders what the controller sends, with the plugin commands of ``--config`` (Argo
CD's ``ConfigManagementPlugin`` YAML; several documents for several plugins, each also
listening on ``<socket dir>/<name>.sock`` when ``--socket`` is a directory). The
protocol, the sandbox and the limits are :mod:`gitopsd.render.plugin_socket`'s. The
sidecar needs no Kubernetes credentials, and the chart gives it none.
"""

from __future__ import annotations

import argparse
import os
import socket
import threading
from pathlib import Path

import yaml

from gitopsd.errors import ConfigError
from gitopsd.render.plugin_socket import ServerLimits, serve
from gitopsd.render.plugins import Plugin, plugins_from_documents
from gitopsd.spec import parse_duration


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("plugin", help="run a config management plugin sidecar")
    verbs = parser.add_subparsers(dest="plugin_command", metavar="VERB", required=True)
    serve_parser = verbs.add_parser("serve", help="serve plugin renders on Unix sockets")
    serve_parser.add_argument("--socket-dir", required=True, help="directory for <name>.sock")
    serve_parser.add_argument("--config", required=True, help="ConfigManagementPlugin YAML")
    serve_parser.add_argument("--timeout", default="90s", help="longest render (default 90s)")
    serve_parser.add_argument(
        "--max-bytes", type=int, default=10 * 1024 * 1024, help="largest output"
    )
    serve_parser.set_defaults(func=run)


def load_plugins(path: Path) -> tuple[Plugin, ...]:
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read the plugin configuration") from error
    items = [i for d in documents for i in (d if isinstance(d, list) else [d])]
    plugins = plugins_from_documents(items)
    if not plugins:
        raise ConfigError(f"{path}: declares no plugin")
    return plugins


def run(args: argparse.Namespace) -> int:
    plugins = load_plugins(Path(args.config))
    limits = ServerLimits(parse_duration(args.timeout, 90.0), args.max_bytes)
    directory = Path(args.socket_dir)
    directory.mkdir(parents=True, exist_ok=True)
    threads = []
    for plugin in plugins:
        path = directory / f"{plugin.name}.sock"
        path.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        os.chmod(path, 0o666)  # the directory is shared with the controller's container only
        listener.listen(8)
        thread = threading.Thread(
            target=serve, args=(listener, {plugin.name: plugin}), kwargs={"limits": limits},
            daemon=True,
        )  # fmt: skip
        thread.start()
        threads.append(thread)
        print(f"plugin {plugin.name}: listening on {path}", flush=True)
    for thread in threads:
        thread.join()
    return 0
