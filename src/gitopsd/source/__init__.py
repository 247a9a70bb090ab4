"""Sources: Git (cached clones, revisions, read-only checkouts), Helm chart repositories
and OCI registries (:mod:`gitopsd.source.charts`), and their credentials.

The only package that uses GitPython and runs git, and the only one that fetches charts.
Everything the rest of gitopsd needs is re-exported here::

    repos = GitRepositories(cache_dir, credentials=credentials_from_secrets(secrets))
    sha = repos.resolve(url, "main")
    tree = repos.checkout(url, sha)      # read-only, <cache>/checkouts/<sha>
"""

from gitopsd.source.charts import ChartRepositories, ResolvedChart
from gitopsd.source.commits import CommitInfo
from gitopsd.source.credentials import CredentialStore, RepoCredentials, credentials_from_secrets
from gitopsd.source.globs import glob_match
from gitopsd.source.repositories import GitRepositories
from gitopsd.source.urls import normalize_repo_url, redact_url

__all__ = [
    "ChartRepositories",
    "CommitInfo",
    "CredentialStore",
    "GitRepositories",
    "RepoCredentials",
    "ResolvedChart",
    "credentials_from_secrets",
    "glob_match",
    "normalize_repo_url",
    "redact_url",
]
