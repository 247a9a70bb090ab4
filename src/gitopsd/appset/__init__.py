"""The ApplicationSet controller core: generators, templates, policies. Pure: Git and the
cluster list come in through :mod:`gitopsd.appset.ports`, nothing here calls the API.

Entry points (re-exported here):

- ``generate(appset, *, repos, clusters) -> list[dict]``: the Applications an
  ApplicationSet produces (``gitopsd appset generate`` previews with it).
- ``reconcile(appset, existing, *, repos, clusters, options) -> AppSetPlan``: the
  create/update/delete/unchanged actions and status conditions; never deletes on error.
- ``LocalRepoFiles(root)`` / ``CheckoutRepoFiles(resolve, checkout)``: Git access.
- ``ClusterInfo``: a registered cluster as the clusters generator sees it.
- ``rendered_by(appset)`` / ``ParentProject``: the project guard for an ApplicationSet an
  Application rendered (its generated Applications stay in that Application's project).
"""

from __future__ import annotations

from gitopsd.appset.generate import generate
from gitopsd.appset.guard import ParentProject, rendered_by
from gitopsd.appset.manifest import AppSetSpec, parse_appset
from gitopsd.appset.policy import AppSetAction, PolicyOptions, effective_policy, plan_actions
from gitopsd.appset.ports import LOCAL_CLUSTER, ClusterInfo, Clusters, RepoFiles
from gitopsd.appset.reconcile import AppSetCondition, AppSetPlan, reconcile, refused
from gitopsd.appset.repos import CheckoutRepoFiles, LocalRepoFiles
from gitopsd.appset.vocab import ActionVerb, ApplicationsSync

__all__ = [
    "LOCAL_CLUSTER",
    "ActionVerb",
    "AppSetAction",
    "AppSetCondition",
    "AppSetPlan",
    "AppSetSpec",
    "ApplicationsSync",
    "CheckoutRepoFiles",
    "ClusterInfo",
    "Clusters",
    "LocalRepoFiles",
    "ParentProject",
    "PolicyOptions",
    "RepoFiles",
    "effective_policy",
    "generate",
    "parse_appset",
    "plan_actions",
    "reconcile",
    "refused",
    "rendered_by",
]
