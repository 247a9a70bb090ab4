"""``gitopsd run``: the controller."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from gitopsd import config
from gitopsd.cli.allocator import limit_arenas
from gitopsd.cli.env_flags import add_log_flags, add_process_flags, env_flag, env_switch
from gitopsd.errors import ConfigError
from gitopsd.spec import parse_duration


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("run", help="run the controller")
    add_process_flags(
        parser,
        "gitopsd",
        "the control-plane namespace: AppProjects, Secrets, gitopsd-cm and "
        "Applications (default gitopsd)",
    )
    env_flag(
        parser,
        "application-namespaces",
        "",
        metavar="PATTERNS",
        help="other namespaces Applications may live in, comma-separated names, globs or "
        "/regex/ (Argo CD's application.namespaces); their projects must list them in "
        "sourceNamespaces",
    )
    env_flag(parser, "metrics-port", "8082", kind=int)
    env_flag(parser, "webhook-port", "8083", kind=int)
    env_flag(
        parser,
        "reconcile-interval",
        "120s",
        help="how often every Application is refreshed from Git (plus jitter; default 120s)",
    )
    env_flag(parser, "workers", "8", kind=int)
    add_log_flags(parser)
    env_flag(parser, "cache-dir", "")
    env_switch(parser, "argocd-metrics", "also export Argo CD-compatible metric names")
    sharding = parser.add_argument_group(
        "sharding",
        "several replicas, each reconciling its share of the Applications and "
        "ApplicationSets; each holds the Lease gitopsd-controller-<replica id> in --namespace "
        "(the gitopsd-cm keys controller.sharding.leaseDuration, .renewDeadline and "
        ".retryPeriod override the times below without a restart)",
    )
    env_switch(
        sharding,
        "sharding",
        "spread Applications and ApplicationSets over the replicas holding a Lease",
    )
    sharding.add_argument(
        "--replica-id",
        default=config.default_identity(),
        help="this replica's name: unique among the replicas (default: $GITOPSD_REPLICA_ID, "
        "else $POD_ID, else host name and process id)",
    )
    env_flag(
        sharding,
        "lease-duration",
        "15s",
        help="another replica takes this one's share after seeing its Lease unchanged "
        "this long (default 15s)",
    )
    env_flag(
        sharding,
        "renew-deadline",
        "10s",
        help="stop acting when the Lease was not renewed within this (default 10s)",
    )
    env_flag(
        sharding,
        "retry-period",
        "2s",
        help="renew the Lease and look at the others this often (default 2s)",
    )
    # Argo CD's names for the self-heal back-off: 2 s, times 3 per attempt, capped at 5 min.
    env_flag(parser, "self-heal-backoff-timeout-seconds", "2", kind=float)
    env_flag(parser, "self-heal-backoff-factor", "3", kind=float)
    env_flag(parser, "self-heal-backoff-cap-seconds", "300", kind=float)
    env_flag(
        parser,
        "operation-timeout",
        "1h",
        help="end a sync attempt still running after this long, as Failed (0: never; default 1h)",
    )
    parser.set_defaults(func=run)


def settings_from(args: argparse.Namespace) -> config.ControllerSettings:
    base = config.ControllerSettings()
    return config.ControllerSettings(
        kubeconfig=args.kubeconfig,
        namespace=args.namespace,
        application_namespaces=config.parse_application_namespaces(
            args.application_namespaces, source="--application-namespaces"
        ),
        metrics_port=args.metrics_port,
        webhook_port=args.webhook_port,
        reconcile_interval_seconds=parse_duration(args.reconcile_interval, 120.0),
        workers=args.workers,
        log_format=args.log_format,
        cache_dir=Path(args.cache_dir) if args.cache_dir else base.cache_dir,
        argocd_metrics=args.argocd_metrics,
        sharding=args.sharding,
        identity=args.replica_id,
        lease_timing=lease_timing(args),
        self_heal_initial_seconds=args.self_heal_backoff_timeout_seconds,
        self_heal_factor=args.self_heal_backoff_factor,
        self_heal_max_seconds=args.self_heal_backoff_cap_seconds,
        operation_timeout_seconds=parse_duration(args.operation_timeout, 3600.0),
    )


def lease_timing(args: argparse.Namespace) -> config.LeaseTiming:
    """The sharding flags, checked together (ConfigError names what is wrong)."""
    problem = config.replica_id_problem(args.replica_id) if args.sharding else None
    if problem:
        raise ConfigError(f"--replica-id {args.replica_id!r}: {problem}")
    timing = config.LeaseTiming(
        lease_seconds=parse_duration(args.lease_duration, 15.0, field_name="--lease-duration"),
        renew_deadline_seconds=parse_duration(
            args.renew_deadline, 10.0, field_name="--renew-deadline"
        ),
        retry_period_seconds=parse_duration(args.retry_period, 2.0, field_name="--retry-period"),
    )
    problems = timing.problems()
    if problems:
        raise ConfigError(
            f"--lease-duration, --renew-deadline, --retry-period: {'; '.join(problems)}"
        )
    return timing


def run(args: argparse.Namespace) -> int:
    if args.kubeconfig:
        # Before kopf is imported: it loads the kubernetes client, which reads KUBECONFIG
        # once at import for kopf's own login.
        os.environ["KUBECONFIG"] = args.kubeconfig
    limit_arenas()  # before the first worker thread allocates
    from gitopsd.operator import main

    return main.run(settings_from(args), log_level=args.log_level)
