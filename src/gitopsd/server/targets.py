"""What an Application's source renders to, for ``managed-resources``' target states.

The server renders as the controller does (``ManifestGenerator`` over a Git cache of its
own, credentials from the ``repository``/``repo-creds`` Secrets of the Application
namespace) and builds the desired set, so a target state carries the namespace defaults
and tracking marks the controller applies. It never applies, dry-runs or prunes: the
diff and who drifted come from the controller's status. Renders are cached by commit, so
asking again for an unchanged application costs one ``git ls-remote``. One render at a
time (a lock), so a burst of requests cannot starve the machine. Secret values are
masked before anything leaves this module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitopsd.cluster import KubeCluster
from gitopsd.desired import build_desired_set
from gitopsd.model.keys import ResourceKey
from gitopsd.model.secrets import mask_secret
from gitopsd.render import CachedRenderer, ManifestGenerator, RenderContext
from gitopsd.source import CredentialStore, GitRepositories
from gitopsd.spec import parse_application_spec

REFS_MAX_AGE_SECONDS = 5.0


class TargetStates:
    def __init__(
        self,
        cluster: KubeCluster,
        cache_dir: Path,
        credentials: Callable[[], CredentialStore],
    ) -> None:
        self._cluster = cluster
        self._credentials = credentials
        self._repos = GitRepositories(cache_dir / "git", refs_max_age_seconds=REFS_MAX_AGE_SECONDS)
        self._generator = ManifestGenerator(self._repos, CachedRenderer())
        self._lock = threading.Lock()

    def render(self, app: dict[str, Any]) -> dict[ResourceKey, dict[str, Any]]:
        """The desired objects by key, Secrets masked. Blocking; raises GitopsdError."""
        metadata = app.get("metadata") or {}
        spec = parse_application_spec(app.get("spec") or {})
        with self._lock:
            self._repos.set_credentials(self._credentials())
            generated = self._generator.generate(
                spec,
                RenderContext(
                    app_name=str(metadata.get("name") or ""),
                    namespace=spec.destination.namespace,
                    kube_version=self._cluster.server_version(),
                ),
            )
        desired = build_desired_set(
            list(generated.objects),
            app_namespace=str(metadata.get("namespace") or ""),
            app_name=str(metadata.get("name") or ""),
            destination_namespace=spec.destination.namespace,
            resources=self._cluster.resources(),
            revision=generated.revisions[0] if generated.revisions else "",
        )
        return {item.key: mask_secret(item.obj) or {} for item in desired.resources}
