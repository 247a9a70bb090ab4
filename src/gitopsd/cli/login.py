"""``gitopsd login``, ``gitopsd logout`` and ``gitopsd context``: signing the CLI in to a
gitopsd server, as Argo CD's CLI does.

``gitopsd login SERVER`` asks for a user name and password (``--username``/``--password``,
prompting for what is missing) or, with ``--sso``, signs in at the identity provider
(:mod:`gitopsd.cli.sso_login`). The token goes into the CLI's config file
(:mod:`gitopsd.cli.server_config`) as the current context, never onto the screen. From
then on the people's verbs (``app …``, ``repo …``, ``proj …``) go through that server
with the user's identity and need no kubeconfig. ``logout`` ends the session on the
server and forgets the token; ``context`` lists the contexts or switches to one.
Registered by :mod:`gitopsd.cli.main`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from dataclasses import replace
from pathlib import Path

from gitopsd.cli.output import ExitCode, format_table
from gitopsd.cli.server_client import ServerClient
from gitopsd.cli.server_config import LocalConfig, ServerContext, default_path
from gitopsd.cli.sso_login import DEFAULT_PORT, sso_login
from gitopsd.errors import AuthError, ConfigError, GitopsdError

SSO_TIMEOUT_SECONDS = 300.0


def add_config_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="the CLI's config file (default ~/.config/gitopsd/config)",
    )


def config_path(args: argparse.Namespace) -> Path:
    return getattr(args, "config", None) or default_path()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = subparsers.add_parser("login", help="sign in to a gitopsd server")
    login.add_argument("server", metavar="SERVER", help="host:port, or an http(s) URL")
    login.add_argument("--name", help="the context's name (default: SERVER)")
    login.add_argument("--username", help="a local account (prompted when missing)")
    login.add_argument("--password", help="its password (prompted when missing)")
    login.add_argument("--sso", action="store_true", help="sign in at the identity provider")
    login.add_argument(
        "--sso-port", type=int, default=DEFAULT_PORT, help=f"SSO callback port ({DEFAULT_PORT})"
    )
    login.add_argument(
        "--sso-timeout", type=float, default=SSO_TIMEOUT_SECONDS, help="seconds to wait for SSO"
    )
    login.add_argument("--plaintext", action="store_true", help="HTTP instead of HTTPS")
    login.add_argument("--insecure", action="store_true", help="skip TLS verification")
    login.add_argument("--grpc-web", action="store_true", help="accepted and ignored")
    add_config_flag(login)
    login.set_defaults(func=run_login)

    logout = subparsers.add_parser("logout", help="sign out of a gitopsd server")
    logout.add_argument("context", metavar="CONTEXT", nargs="?", help="default: the current")
    add_config_flag(logout)
    logout.set_defaults(func=run_logout)

    context = subparsers.add_parser("context", help="list the server contexts or switch")
    context.add_argument("context", metavar="CONTEXT", nargs="?", help="switch to this one")
    add_config_flag(context)
    context.set_defaults(func=run_context)


def run_login(args: argparse.Namespace) -> int:
    path = config_path(args)
    config = LocalConfig.load(path)
    target = ServerContext(
        name=args.name or args.server,
        server=args.server,
        plain_text=args.plaintext,
        insecure=args.insecure,
    )
    client = ServerClient(target)
    if args.sso:
        tokens = sso_login(client, port=args.sso_port, timeout=args.sso_timeout, now=time.time())
        token, refresh = tokens.id_token, tokens.refresh_token
    else:
        username = args.username or input("Username: ")
        password = args.password or getpass.getpass("Password: ")
        answer = client.request(
            "POST",
            "/api/v1/session",
            {"username": username, "password": password},
            authenticated=False,
        )
        token, refresh = str(answer.get("token") or ""), ""
        if not token:
            raise AuthError("the server answered without a token")
    signed_in = replace(target, auth_token=token, refresh_token=refresh)
    who = ServerClient(signed_in).get("/api/v1/session/userinfo")
    if not who.get("loggedIn"):
        raise AuthError("the server does not accept the new token")
    config.upsert(signed_in)
    config.save(path)
    print(f"'{who.get('username')}' logged in successfully")
    print(f"Context '{signed_in.name}' updated")
    return ExitCode.OK


def run_logout(args: argparse.Namespace) -> int:
    path = config_path(args)
    config = LocalConfig.load(path)
    name = args.context or config.current
    context = config.contexts.get(name)
    if context is None:
        raise ConfigError(f"no context {name!r}" if name else "not signed in anywhere")
    if context.auth_token:
        try:
            ServerClient(context).request("DELETE", "/api/v1/session")
        except GitopsdError as error:  # the token is forgotten here in any case
            print(f"warning: the server did not end the session: {error}", file=sys.stderr)
    config.forget_token(name)
    config.save(path)
    print(f"Logged out from '{name}'")
    return ExitCode.OK


def run_context(args: argparse.Namespace) -> int:
    path = config_path(args)
    config = LocalConfig.load(path)
    if args.context:
        if args.context not in config.contexts:
            raise ConfigError(f"no context {args.context!r}")
        config.current = args.context
        config.save(path)
        print(f"Switched to context '{args.context}'")
        return ExitCode.OK
    rows = [
        ["*" if c.name == config.current else "", c.name, c.server]
        for c in sorted(config.contexts.values(), key=lambda c: c.name)
    ]
    sys.stdout.write(format_table(("CURRENT", "NAME", "SERVER"), rows))
    return ExitCode.OK
