"""Whether an Application's sources, destination and manifests stay inside its project.

Every check returns a violation message (naming the object, the rule and the project) or
None, so callers can collect them into an ``InvalidSpecError`` condition or raise
``ProjectViolation`` with :func:`ensure_permitted`. Called by the reconciler before anything
is applied, pruned or deleted, and by the ApplicationSet core for generated Applications.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gitopsd.errors import ProjectViolation
from gitopsd.model.annotations import GROUP
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.project.globs import glob_match, is_deny, without_deny
from gitopsd.project.projects import DEFAULT_PROJECT, DestinationRule, Project, ResourceRule
from gitopsd.spec import ApplicationSpec

# Namespaced kinds checked against the cluster-scoped resource lists (see check_object).
CLUSTER_WIDE_GRANTS = frozenset({GroupKind(GROUP, "AppProject")})


def normalize_repo_url(url: str) -> str:
    """Compare repositories case-insensitively, ignoring a trailing ``/`` or ``.git``."""
    return url.strip().lower().removesuffix("/").removesuffix(".git")


def check_source(project: Project, repo_url: str) -> str | None:
    """A repository is permitted when an allow pattern matches and no ``!`` pattern does."""
    if repo_allowed(project.source_repos, repo_url):
        return None
    return f"repository {repo_url} is not permitted in project {project.name} (sourceRepos)"


def repo_allowed(patterns: Iterable[str], repo_url: str) -> bool:
    """``sourceRepos`` semantics for one URL: some pattern allows it and no ``!`` one denies
    it. Also used for Helm chart dependencies, which must be allowed like sources."""
    url = normalize_repo_url(repo_url)
    allowed = False
    for pattern in patterns:
        matched = glob_match(normalize_repo_url(without_deny(pattern)), url, separator="/")
        if matched and is_deny(pattern):
            return False
        allowed = allowed or matched
    return allowed


def check_destination(project: Project, server: str, name: str, namespace: str) -> str | None:
    """A destination is permitted when an allow entry matches it and no deny entry does.

    ``server`` or ``name`` (either may be empty) identify the cluster. An entry with a
    ``!`` pattern in any field is a deny entry: it rejects the destinations its patterns
    match with the ``!`` taken away.
    """
    allowed = False
    for rule in project.destinations:
        if not _destination_matches(rule, server, name, namespace):
            continue
        if _is_deny_rule(rule):
            allowed = False
            break
        allowed = True
    if allowed:
        return None
    target = f"{server or name}:{namespace}" if namespace else (server or name)
    return f"destination {target} is not permitted in project {project.name} (destinations)"


def check_resource(project: Project, key: ResourceKey, namespaced: bool) -> str | None:
    """Whether the project's resource white/blacklists permit one object."""
    if namespaced:
        whitelist, blacklist = (
            project.namespace_resource_whitelist,
            project.namespace_resource_blacklist,
        )
        list_names = ("namespaceResourceWhitelist", "namespaceResourceBlacklist")
        # An empty namespaced whitelist means "everything", unlike the cluster-scoped one.
        whitelisted = not whitelist or _in_list(key, whitelist)
    else:
        whitelist, blacklist = (
            project.cluster_resource_whitelist,
            project.cluster_resource_blacklist,
        )
        list_names = ("clusterResourceWhitelist", "clusterResourceBlacklist")
        whitelisted = _in_list(key, whitelist)
    if not whitelisted:
        return _resource_violation(project, key, list_names[0])
    if _in_list(key, blacklist):
        return _resource_violation(project, key, list_names[1])
    return None


def check_application(
    project: Project, spec: ApplicationSpec, destination_server: str
) -> list[str]:
    """Violations of an Application's sources and destination, sorted."""
    violations = {check_source(project, source.repo_url) for source in spec.sources}
    violations.add(
        check_destination(
            project, destination_server, spec.destination.name, spec.destination.namespace
        )
    )
    return sorted(v for v in violations if v)


def check_manifests(
    project: Project,
    keys: Iterable[tuple[ResourceKey, bool]],
    *,
    server: str = "",
    cluster_name: str = "",
) -> list[str]:
    """Violations of the objects ``(key, namespaced)``, sorted by object.

    ``namespaced`` must come from discovery or from a CRD in the same set, never from a
    guess. When the destination cluster is given (``server`` or ``cluster_name``), the
    namespace of every namespaced object, and the name of every Namespace object, must
    also be a permitted destination on that cluster.
    """
    violations = (
        check_object(project, key, namespaced, server=server, cluster_name=cluster_name)
        for key, namespaced in sorted(set(keys))
    )
    return [message for message in violations if message]


def check_object(
    project: Project,
    key: ResourceKey,
    namespaced: bool,
    *,
    server: str = "",
    cluster_name: str = "",
) -> str | None:
    """The violation of one object (see :func:`check_manifests`), or None.

    An AppProject is namespaced, but it grants permissions across the cluster: writing one
    is governed by the cluster-scoped lists, as writing a ClusterRole is (otherwise a
    tenant allowed into the controller's namespace could write itself a wider project).
    """
    cluster_wide = not namespaced or key.group_kind in CLUSTER_WIDE_GRANTS
    message = check_resource(project, key, not cluster_wide)
    target = namespace_of(key, namespaced)
    if message is None and target is not None and (server or cluster_name):
        message = _namespace_violation(project, key, target, server, cluster_name)
    return message


def namespace_of(key: ResourceKey, namespaced: bool) -> str | None:
    """The namespace an object writes into: its own, or for a Namespace the one it is
    (creating or relabelling ``kube-system`` is writing into it); None for other
    cluster-scoped objects."""
    if namespaced:
        return key.namespace
    if key.group == "" and key.kind == "Namespace":
        return key.name
    return None


def check_child_project(project: Project, child_project: str) -> str | None:
    """Whether an Application rendered or generated under ``project`` may name
    ``child_project`` (empty means ``default``): its own project always, others only when
    an allow pattern of ``permittedChildProjects`` matches and no ``!`` pattern does."""
    wanted = child_project or DEFAULT_PROJECT
    if wanted == project.name:
        return None
    patterns = project.permitted_child_projects
    denied = any(is_deny(p) and glob_match(without_deny(p), wanted) for p in patterns)
    allowed = any(not is_deny(p) and glob_match(p, wanted) for p in patterns)
    if allowed and not denied:
        return None
    return (
        f"project {wanted} is not permitted for child Applications of project "
        f"{project.name} (permittedChildProjects)"
    )


def ensure_permitted(violations: Sequence[str], *, subject: str = "") -> None:
    """Raise ProjectViolation carrying every violation, prefixed by ``subject`` if given."""
    if not violations:
        return
    prefix = f"{subject}: " if subject else ""
    raise ProjectViolation(prefix + "; ".join(violations))


def _is_deny_rule(rule: DestinationRule) -> bool:
    return any(is_deny(pattern) for pattern in (rule.server, rule.name, rule.namespace))


def _destination_matches(rule: DestinationRule, server: str, name: str, namespace: str) -> bool:
    """Whether every field of ``rule`` (``!`` removed) matches the destination."""
    by_server = bool(server and rule.server) and glob_match(without_deny(rule.server), server)
    by_name = bool(name and rule.name) and glob_match(without_deny(rule.name), name)
    return (by_server or by_name) and glob_match(without_deny(rule.namespace), namespace)


def _in_list(key: ResourceKey, rules: tuple[ResourceRule, ...]) -> bool:
    return any(
        glob_match(rule.group, key.group)
        and glob_match(rule.kind, key.kind)
        and (not rule.name or glob_match(rule.name, key.name))
        for rule in rules
    )


def _resource_violation(project: Project, key: ResourceKey, list_name: str) -> str:
    return (
        f"{key}: resource {key.group}:{key.kind} is not permitted in project "
        f"{project.name} ({list_name})"
    )


def _namespace_violation(
    project: Project, key: ResourceKey, namespace: str, server: str, cluster_name: str
) -> str | None:
    if check_destination(project, server, cluster_name, namespace) is None:
        return None
    return (
        f"{key}: namespace {namespace or '(none)'} is not permitted in project "
        f"{project.name} (destinations)"
    )
