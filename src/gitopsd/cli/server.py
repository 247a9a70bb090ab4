"""``gitopsd server``: the HTTP API server (see :mod:`gitopsd.server`)."""

from __future__ import annotations

import argparse
import os

from gitopsd.config import ServerSettings, env_flag_default
from gitopsd.spec import parse_duration


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("server", help="run the HTTP API server")
    base = ServerSettings()
    parser.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"))
    parser.add_argument(
        "--namespace",
        default=env_flag_default("namespace", base.namespace),
        help="where Application resources live (default gitopsd)",
    )
    parser.add_argument("--port", type=int, default=int(env_flag_default("port", "8080")))
    parser.add_argument("--address", default=env_flag_default("address", base.address))
    parser.add_argument(
        "--log-format", choices=["text", "json"], default=env_flag_default("log-format", "text")
    )
    parser.add_argument("--log-level", default=env_flag_default("log-level", "INFO"))
    parser.add_argument(
        "--session-duration",
        default=env_flag_default("session-duration", "24h"),
        help="how long a sign-in lasts (default 24h)",
    )
    parser.add_argument(
        "--insecure-cookies",
        action="store_true",
        default=env_flag_default("insecure-cookies", "") == "true",
        help="send the session cookie over plain HTTP too (only for http://localhost)",
    )
    parser.add_argument(
        "--login-max-failures",
        type=int,
        default=int(env_flag_default("login-max-failures", str(base.login_max_failures))),
        help="failed sign-ins per user name per 5 minutes before it is refused (default 5)",
    )
    parser.add_argument(
        "--static-dir",
        default=env_flag_default("static-dir", ""),
        help="serve the web UI from this directory instead of the package's",
    )
    parser.add_argument(
        "--cache-dir",
        default=env_flag_default("cache-dir", ""),
        help="Git cache for managed-resources' target states (default ~/.cache/gitopsd/server)",
    )
    parser.set_defaults(func=run)


def settings_from(args: argparse.Namespace) -> ServerSettings:
    return ServerSettings(
        kubeconfig=args.kubeconfig,
        namespace=args.namespace,
        port=args.port,
        address=args.address,
        log_format=args.log_format,
        session_seconds=parse_duration(args.session_duration, 24 * 3600.0),
        secure_cookie=not args.insecure_cookies,
        login_max_failures=args.login_max_failures,
        static_dir=args.static_dir,
        cache_dir=args.cache_dir,
    )


def run(args: argparse.Namespace) -> int:
    from gitopsd.server.main import run as serve

    return serve(settings_from(args), log_level=args.log_level)
