"""Git sources: cached clones, revision resolution, read-only checkouts, credentials.

The only package that uses GitPython and runs git. Everything the rest of gitopsd needs
is re-exported here::

    repos = GitRepositories(cache_dir, credentials=credentials_from_secrets(secrets))
    sha = repos.resolve(url, "main")
    tree = repos.checkout(url, sha)      # read-only, <cache>/checkouts/<sha>
"""

from gitopsd.source.commits import CommitInfo
from gitopsd.source.credentials import CredentialStore, RepoCredentials, credentials_from_secrets
from gitopsd.source.repositories import GitRepositories
from gitopsd.source.urls import normalize_repo_url, redact_url

__all__ = [
    "CommitInfo",
    "CredentialStore",
    "GitRepositories",
    "RepoCredentials",
    "credentials_from_secrets",
    "normalize_repo_url",
    "redact_url",
]
