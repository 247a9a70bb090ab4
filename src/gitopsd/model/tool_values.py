"""The syntax of every Application value that reaches a tool: helm, kustomize or git.

A tenant who may create an Application chooses its repository URL, revision, path and
render options. Each of those values ends up on a command line or in a file a tool reads,
so each is checked here against what the tool itself accepts, before anything runs: a
value that fits the syntax below can neither be read as an option nor name something
outside the repository. Every check returns the problem as a sentence, or None; callers
wrap it in their own error (:mod:`gitopsd.spec` raises ``SpecError`` naming the field,
the renderers and :mod:`gitopsd.source` check again right before building an argv).

Messages never repeat a value that may be secret (Helm parameter values are not shown).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# DNS-1123 label: what a namespace name must be.
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_LABEL_MAX = 63
# Helm's own release-name rule (chartutil.ValidateReleaseName): DNS-1123 subdomain, ≤ 53.
_RELEASE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
RELEASE_NAME_MAX = 53
# A semantic version as Kubernetes reports it: v1.30, v1.30.2, v1.30.2-eks-1+k3s.1.
_KUBE_VERSION = re.compile(r"v?[0-9]{1,4}\.[0-9]{1,4}(\.[0-9]{1,6})?([-+][0-9A-Za-z.+-]{1,100})?")
# An API version or resource for Helm's .Capabilities: v1, apps/v1, monitoring.coreos.com/v1/Kind.
_API_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}(/[A-Za-z0-9][A-Za-z0-9.-]{0,252}){0,2}")
# One segment of a Helm ``--set`` name: anything but the parser's own syntax (``.``, ``,``,
# ``=``, ``[``, ``]``, ``\``, spaces) unless escaped with ``\``, then optional ``[index]``es.
_SET_SEGMENT = re.compile(r"(?:[^.,=\[\]\\\s]|\\[.,=\[\]\\])+(?:\[[0-9]{1,5}\])*")
_SET_NAME_MAX = 1024
_HELM_MAX_INDEX = 65536  # Helm's strvals refuses larger list indexes too
# Kubernetes label/annotation keys: [prefix/]name, and label values.
_QUALIFIED_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# ``[name=]image[:tag][@digest]`` as ``kustomize edit set image`` takes it.
_IMAGE = re.compile(r"[A-Za-z0-9_*][A-Za-z0-9._/:@=*+-]{0,511}")
# What namePrefix/nameSuffix may add to object names (lowercase names, and ':' for RBAC).
_NAME_AFFIX = re.compile(r"[A-Za-z0-9.:_-]{1,253}")
# Repository URLs: the transports git runs without a helper program of ours.
REPO_SCHEMES = ("https", "http", "ssh", "git", "file", "git+ssh", "ssh+git")
_SCP_LIKE = re.compile(r"(?:([A-Za-z0-9_][A-Za-z0-9._~+-]*)@)?([A-Za-z0-9][A-Za-z0-9.-]*):(.+)")
_HOST = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9._~%+-]*)|\[[0-9A-Fa-f:.]+\]")
_URL_MAX = 2048
_REVISION_MAX = 255
# Characters git refuses in ref names (check-ref-format) and our own separators.
_REVISION_FORBIDDEN = set(" \t\n\r\0:~^?*[\\")


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def namespace_problem(value: str) -> str | None:
    """A Kubernetes namespace name: a DNS-1123 label."""
    if len(value) > _DNS_LABEL_MAX or _DNS_LABEL.fullmatch(value) is None:
        return (
            f"{value!r} is not a valid namespace name (lowercase letters, digits and '-', "
            f"starting and ending with a letter or digit, at most {_DNS_LABEL_MAX} characters)"
        )
    return None


def release_name_problem(value: str) -> str | None:
    """A Helm release name, as ``helm`` itself validates it."""
    if len(value) > RELEASE_NAME_MAX or _RELEASE_NAME.fullmatch(value) is None:
        return (
            f"{value!r} is not a valid Helm release name (lowercase letters, digits, '-' and "
            f"'.', starting and ending with a letter or digit, at most {RELEASE_NAME_MAX} "
            "characters)"
        )
    return None


def kube_version_problem(value: str) -> str | None:
    """A Kubernetes version for ``helm template --kube-version``."""
    if _KUBE_VERSION.fullmatch(value) is None:
        return f"{value!r} is not a Kubernetes version (such as v1.30 or 1.30.2)"
    return None


def api_version_problem(value: str) -> str | None:
    """An entry of ``helm template --api-versions`` (``apps/v1`` or ``group/v1/Kind``)."""
    if _API_VERSION.fullmatch(value) is None:
        return f"{value!r} is not an API version (such as v1, apps/v1 or example.com/v1/Kind)"
    return None


def helm_parameter_name_problem(name: str) -> str | None:
    """A Helm ``--set`` name: dotted segments with optional ``[index]``, ``\\`` escapes."""
    shown = name if len(name) <= 80 else name[:80] + "…"
    if not name or len(name) > _SET_NAME_MAX:
        return f"parameter name {shown!r} is empty or longer than {_SET_NAME_MAX} characters"
    segments = _split_set_name(name)
    if segments is None or any(_SET_SEGMENT.fullmatch(s) is None for s in segments):
        return (
            f"parameter name {shown!r} is not a Helm value path (dot-separated keys with "
            "optional [index]; '.', ',', '=', '[', ']' and '\\' in a key escaped with '\\')"
        )
    indexes = [int(i) for s in segments for i in re.findall(r"\[([0-9]+)\]", s)]
    if any(i >= _HELM_MAX_INDEX for i in indexes):
        return f"parameter name {shown!r} has a list index of {_HELM_MAX_INDEX} or more"
    return None


def _split_set_name(name: str) -> list[str] | None:
    """``name`` split at unescaped dots; None for a dangling escape."""
    segments, current, escaped = [], "", False
    for char in name:
        if escaped:
            current += "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ".":
            segments.append(current)
            current = ""
        else:
            current += char
    if escaped:
        return None
    segments.append(current)
    return segments


def escape_set_value(value: str) -> str:
    """A parameter value as ``--set`` must see it to mean ``value``, as Argo CD passes it.

    Helm splits ``--set`` on unescaped commas; a value written ``{a,b}`` stays a list.
    """
    if value.startswith("{") and value.endswith("}"):
        return value
    return re.sub(r"(?<!\\),", r"\\,", value)


def helm_parameter_value_problem(value: str) -> str | None:
    """A Helm parameter value: any text a command line can carry (no NUL)."""
    if "\0" in value:
        return "parameter value contains a NUL character"
    return None


def label_key_problem(key: str) -> str | None:
    """A label or annotation key: ``[dns-subdomain/]name`` (name ≤ 63 characters)."""
    prefix, slash, name = key.rpartition("/")
    if slash and (len(prefix) > 253 or _DNS_SUBDOMAIN.fullmatch(prefix) is None):
        return f"key {key!r} has an invalid prefix (a lowercase DNS subdomain before '/')"
    if len(name) > _DNS_LABEL_MAX or _QUALIFIED_NAME.fullmatch(name) is None:
        return (
            f"key {key!r} is not a valid label or annotation key (letters, digits, '-', '_' "
            "and '.', at most 63 characters after an optional 'prefix/')"
        )
    return None


def label_value_problem(value: str) -> str | None:
    if value and (len(value) > _DNS_LABEL_MAX or _QUALIFIED_NAME.fullmatch(value) is None):
        return (
            f"{value!r} is not a valid label value (letters, digits, '-', '_' and '.', "
            "at most 63 characters)"
        )
    return None


def image_problem(value: str) -> str | None:
    """An image override: ``[name=]image[:tag][@digest]``."""
    if _IMAGE.fullmatch(value) is None:
        return (
            f"{value[:100]!r} is not an image override ([name=]image[:tag][@digest], "
            "no spaces, not starting with '-')"
        )
    return None


def name_affix_problem(value: str) -> str | None:
    """A ``namePrefix``/``nameSuffix``: characters allowed in object names only."""
    if value and _NAME_AFFIX.fullmatch(value) is None:
        return f"{value[:100]!r} may hold only letters, digits, '-', '.', '_' and ':'"
    return None


def path_problem(value: str) -> str | None:
    """A repository path given in the spec (path, value file, patch file, component).

    Only its text is checked here; whether it stays inside the repository (no absolute
    path, no ``..`` past the root, no symlink out, no URL) is checked where the checkout
    is known, and the tools are only ever given the resolved absolute path.
    """
    if _has_control(value):
        return f"{value[:100]!r} contains control characters"
    return None


def revision_problem(value: str) -> str | None:
    """A target revision: a branch, tag, ``refs/...`` name or commit SHA."""
    shown = value[:100]
    if len(value) > _REVISION_MAX:
        return f"revision {shown!r}… is longer than {_REVISION_MAX} characters"
    if value.startswith("-"):
        return f"revision {shown!r} starts with '-'"
    if _has_control(value) or any(c in _REVISION_FORBIDDEN for c in value):
        return f"revision {shown!r} contains characters git does not allow in a ref name"
    if ".." in value or "@{" in value:
        return f"revision {shown!r} contains '..' or '@{{', which git does not allow"
    return None


def repo_url_problem(url: str) -> str | None:
    """A Git repository URL: ``https``, ``http``, ``ssh``, ``git`` or ``file`` URLs, or
    scp-like ``user@host:path``. Never a command-running transport (``ext::``, ``fd::``)
    or anything git could read as an option."""
    text = url.strip()
    if not text or len(text) > _URL_MAX:
        return f"repository URL is empty or longer than {_URL_MAX} characters"
    if _has_control(text) or any(c.isspace() for c in text):
        return "repository URL contains spaces or control characters"
    if text.startswith("-"):
        return "repository URL starts with '-'"
    if "::" in text.split("/", 1)[0]:
        return "repository URL uses a transport helper ('<transport>::'); not allowed"
    if "://" in text:
        return _url_problem(text)
    match = _SCP_LIKE.fullmatch(text)
    if match is None or match.group(3).startswith("-"):
        return (
            "repository URL must be an https://, http://, ssh://, git:// or file:// URL "
            "or user@host:path"
        )
    return None


def _url_problem(text: str) -> str | None:
    scheme = text.split("://", 1)[0].lower()
    if scheme not in REPO_SCHEMES:
        return f"repository URL scheme {scheme!r} is not one of {', '.join(REPO_SCHEMES)}"
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        return "repository URL is malformed"
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            return "file:// repository URLs name a local path (file:///path)"
        return None
    netloc_host = parts.netloc.rpartition("@")[2]
    if not host or _HOST.match(netloc_host) is None:
        return "repository URL has no valid host"
    return None


# A chart name as Helm writes it in an index or a registry path (no slash, no '..').
_CHART_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,249}")
# A registry reference without a scheme: host[:port]/path, as Argo CD writes OCI repos.
_OCI_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?(/[A-Za-z0-9._-]+)*/?")


def chart_name_problem(value: str) -> str | None:
    """A chart name: letters, digits, ``.``, ``_`` and ``-``, not starting with a sign."""
    if _CHART_NAME.fullmatch(value) is None or ".." in value:
        return f"chart name {value[:100]!r} is not a chart name (letters, digits, '.', '_', '-')"
    return None


def chart_repo_url_problem(url: str) -> str | None:
    """A chart repository: ``https://``/``http://`` (index.yaml), or an OCI registry as
    ``oci://host/path`` or ``host[:port]/path``."""
    text = url.strip()
    if not text or len(text) > _URL_MAX or _has_control(text) or any(c.isspace() for c in text):
        return "chart repository URL is empty, too long, or contains spaces"
    if "://" not in text:
        text = f"oci://{text}"
    scheme, _, rest = text.partition("://")
    if scheme.lower() not in ("https", "http", "oci"):
        return f"chart repository URL scheme {scheme!r} is not https, http or oci"
    if scheme.lower() == "oci":
        if _OCI_REFERENCE.fullmatch(rest) is None or ".." in rest:
            return "OCI repository must be oci://host[:port]/path"
        return None
    return _url_problem(text)
