"""gitopsd's own exceptions, raised across module boundaries.

Library errors (GitPython, the kubernetes client, subprocesses) are caught at the adapter
that called the library and re-raised as one of these, chained with ``raise ... from e``.
Messages about one object start with that object's id (``Deployment/web/api: ...``).
Messages never contain secret values or credentials. A failed or timed-out hook is not an
exception: like every per-object outcome it is a result of the sync pass (data), and the
operation fails with its message.

GitopsdError
├── ConfigError                 invalid flags, ConfigMap or settings
├── SpecError                   an Application/AppProject/ApplicationSet spec is invalid
│   └── ProjectViolation        the spec or a manifest breaks its AppProject's rules
├── SourceError                 fetching from Git failed
│   ├── RepositoryUnreachable   network, DNS, timeout, missing repository
│   ├── AuthenticationFailed    bad or missing credentials
│   ├── RevisionNotFound        targetRevision resolves to no commit (or no chart version)
│   ├── DigestMismatch          a downloaded chart or manifest is not the one expected
│   └── PathEscape              a path or symlink leaves the repository
├── RenderError                 turning files into objects failed
│   ├── ManifestError           invalid YAML/JSON or an object without apiVersion/kind/name
│   ├── ToolError               kustomize or helm failed (stderr attached, trimmed)
│   ├── RenderTimeout           a tool ran past its time limit and was killed
│   ├── RenderTooLarge          manifests exceed the configured size limit
│   └── UnsupportedSource       a source gitopsd does not render (plugin, Jsonnet, no
│                               file any renderer reads)
├── ClusterError                talking to a Kubernetes API server failed
│   ├── ClusterUnreachable
│   ├── NotFound
│   ├── Conflict
│   ├── Forbidden
│   ├── Invalid                 the server rejected an object (includes immutable fields)
│   └── Fenced                  refused before sending: this replica does not own the
│                               Application (or ApplicationSet) now
├── DesiredSetError             duplicates, unknown kinds in the desired set
├── HealthScriptError           a Lua health script failed (reported as Unknown, never raised
│                               out of the health package)
├── WebhookError                a webhook request could not be parsed as a push event
├── AuthError                   a sign-in or a session token was refused (gitopsd server)
└── ServerError                 the gitopsd server refused or failed a CLI's request
"""

from __future__ import annotations


class GitopsdError(Exception):
    """Base of every error gitopsd raises on purpose."""

    # The commits being rendered when the error happened, when known (set by the
    # manifest generator, so status can name the commit that failed).
    revisions: tuple[str, ...] = ()


class ConfigError(GitopsdError):
    """Invalid command-line flags, environment or gitopsd-cm settings."""


class SpecError(GitopsdError):
    """An Application, AppProject or ApplicationSet spec is invalid."""


class ProjectViolation(SpecError):
    """A source, destination or manifest is outside its AppProject's boundaries."""


class SourceError(GitopsdError):
    """Fetching the desired state from Git failed."""


class RepositoryUnreachable(SourceError):
    """The remote could not be reached in time, or does not exist."""


class AuthenticationFailed(SourceError):
    """The remote refused the credentials (or needs some and got none)."""


class RevisionNotFound(SourceError):
    """targetRevision names no branch, tag, ref or commit in the repository."""


class DigestMismatch(SourceError):
    """A downloaded chart archive or OCI manifest does not have the digest it must have."""


class PathEscape(SourceError):
    """A path, value file or symlink resolves outside the repository root."""


class RenderError(GitopsdError):
    """Rendering manifests failed. Never to be confused with an empty render."""


class ManifestError(RenderError):
    """A manifest file is not valid YAML/JSON, or an object lacks apiVersion, kind or name."""


class ToolError(RenderError):
    """kustomize or helm exited non-zero; the message carries its trimmed stderr."""


class RenderTimeout(RenderError):
    """A render tool ran past its time limit and was killed."""


class RenderTooLarge(RenderError):
    """The rendered or read manifests exceed the configured size limit."""


class UnsupportedSource(RenderError):
    """The source asks for rendering gitopsd does not do; the message names the field or
    the file types, so it is never mistaken for an application with nothing in it."""


class ClusterError(GitopsdError):
    """A call to a Kubernetes API server failed."""

    def __init__(self, message: str, *, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class ClusterUnreachable(ClusterError):
    """The API server did not answer."""


class NotFound(ClusterError):
    """The object or its kind does not exist."""


class Conflict(ClusterError):
    """A field-manager conflict or an optimistic-concurrency conflict."""


class Forbidden(ClusterError):
    """RBAC denied the call."""


class Invalid(ClusterError):
    """The server rejected the object (schema, immutable field, admission)."""


class Fenced(ClusterError):
    """A write refused before it was sent: with sharding, this replica may not act on the
    Application or ApplicationSet now (another replica owns it, or this replica's Lease
    was not renewed in time). Nothing was written."""


class DesiredSetError(GitopsdError):
    """The desired set is inconsistent (duplicate objects, unknown kinds)."""


class HealthScriptError(GitopsdError):
    """A Lua health customization failed to load or run."""


class WebhookError(GitopsdError):
    """A webhook request body is not a well-formed push event of its provider."""


class AuthError(GitopsdError):
    """A sign-in, a session token or a cookie was refused. The message says why in words
    safe to show (never the token or the password)."""


class ServerError(GitopsdError):
    """The gitopsd server answered a CLI request with an error (message from the server)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status
