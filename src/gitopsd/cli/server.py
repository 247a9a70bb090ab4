"""``gitopsd server``: the HTTP API server (see :mod:`gitopsd.server`)."""

from __future__ import annotations

import argparse

from gitopsd.cli.allocator import limit_arenas
from gitopsd.cli.env_flags import add_log_flags, add_process_flags, env_flag, env_switch
from gitopsd.config import ServerSettings
from gitopsd.spec import parse_duration


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("server", help="run the HTTP API server")
    base = ServerSettings()
    add_process_flags(parser, base.namespace, "where Application resources live (default gitopsd)")
    env_flag(parser, "port", "8080", kind=int)
    env_flag(parser, "address", base.address)
    add_log_flags(parser)
    env_flag(parser, "session-duration", "24h", help="how long a sign-in lasts (default 24h)")
    env_switch(
        parser,
        "insecure-cookies",
        "send the session cookie over plain HTTP too (only for http://localhost)",
    )
    env_flag(
        parser,
        "login-max-failures",
        str(base.login_max_failures),
        kind=int,
        help="failed sign-ins per user name per 5 minutes before it is refused (default 5)",
    )
    env_flag(
        parser,
        "static-dir",
        "",
        help="serve the web UI from this directory instead of the package's",
    )
    env_flag(
        parser,
        "cache-dir",
        "",
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
    limit_arenas()  # before the request threads allocate
    from gitopsd.server.main import run as serve

    return serve(settings_from(args), log_level=args.log_level)
