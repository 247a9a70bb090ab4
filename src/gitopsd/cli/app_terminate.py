"""``gitopsd app terminate-op APP``: stop the Application's running operation.

Both paths ask the controller the same way: through the server, ``DELETE
/api/v1/applications/<name>/operation`` (Argo CD's path; the server writes the
annotation); with the kubeconfig, the ``gitopsd.io/terminate-operation=true`` annotation,
written by :func:`gitopsd.cli.app_sync.run_terminate`, which also waits until the
controller has ended the operation (unless ``--async``). Refused (exit 1) when no
operation is pending or running. Registered by :mod:`gitopsd.cli.app_extra`;
:mod:`gitopsd.cli.app_server` routes the server path here.
"""

from __future__ import annotations

import argparse
import sys

from gitopsd.cli.app_context import application_ref
from gitopsd.cli.output import ExitCode
from gitopsd.cli.server_client import ServerClient
from gitopsd.errors import ServerError


def run_server(args: argparse.Namespace, client: ServerClient) -> int:
    namespace, name = application_ref(args)
    query = {"appNamespace": namespace} if getattr(args, "app_namespace", "") else {}
    try:
        client.request("DELETE", f"/api/v1/applications/{name}/operation", query=query)
    except ServerError as error:
        if error.status == 400:
            print(f"error: Application/{namespace}/{name}: {error}", file=sys.stderr)
            return ExitCode.FAILED
        raise
    print(f"Application/{namespace}/{name}: termination requested")
    return ExitCode.OK
