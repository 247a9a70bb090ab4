"""``gitopsd app terminate-op APP``: stop the Application's running operation.

Both paths ask the controller the same way: through the server, ``DELETE
/api/v1/applications/<name>/operation`` (Argo CD's path; the server writes the
annotation); with the kubeconfig, the ``gitopsd.io/terminate-operation=true`` annotation
written here. Refused (exit 1) when no operation is pending or running. Registered by
:mod:`gitopsd.cli.app_extra`; :mod:`gitopsd.cli.app_server` routes the server path here.
"""

from __future__ import annotations

import argparse
import sys

from gitopsd.cli.app_context import application_key, application_ref, connect, get_application
from gitopsd.cli.output import ExitCode
from gitopsd.cli.server_client import ServerClient
from gitopsd.errors import ServerError
from gitopsd.model.app_patches import terminate_patch
from gitopsd.model.vocab import OperationPhase

NOTHING_RUNNING = "no operation is in progress"


def run_kube(args: argparse.Namespace) -> int:
    namespace, name = application_ref(args)
    cluster = connect(args)
    app = get_application(cluster, namespace, name)
    phase = ((app.get("status") or {}).get("operationState") or {}).get("phase")
    if phase != OperationPhase.RUNNING and not isinstance(app.get("operation"), dict):
        print(f"error: Application/{namespace}/{name}: {NOTHING_RUNNING}", file=sys.stderr)
        return ExitCode.FAILED
    cluster.merge_patch(application_key(namespace, name), terminate_patch())
    print(f"Application/{namespace}/{name}: termination requested")
    return ExitCode.OK


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
