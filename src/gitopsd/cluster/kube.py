"""``KubeCluster``: the ClusterPort implementation over the kubernetes client.

Talks to the API server with raw paths and JSON bodies (no generated models) so any kind,
custom resources included, goes through the same few verbs. Every request is reported to
an optional ``on_request(verb, kind, code)`` callback (metrics, benchmarks).
"""

from __future__ import annotations

import builtins
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import urllib3
from kubernetes import client

from gitopsd.cluster.discovery import discover
from gitopsd.cluster.errors import error_for
from gitopsd.errors import ClusterError, ClusterUnreachable, NotFound
from gitopsd.model.keys import GroupKind, ResourceKey, split_api_version
from gitopsd.model.secrets import is_secret
from gitopsd.ports import NOT_SERVED, ApiResource, KubeObject

T = TypeVar("T")

RequestHook = Callable[[str, str, int], None]

APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
JSON = "application/json"
# Lists and watches of metadata only (name, labels, annotations, versions...): what a
# watch needs to notice a change, at a fraction of the bytes and the parsing.
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
METADATA_OBJECT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
# 429 "storage is (re)initializing" right after a CRD is installed, or priority-and-
# fairness throttling: the server asks to come back; we do, quietly, a few times.
THROTTLED_ATTEMPTS = 5
THROTTLED_MAX_WAIT_SECONDS = 2.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selection:
    """Which objects a list or a watch asks for: one kind, in one namespace ("" all),
    optionally narrowed by a label and a field selector ("" none). With ``metadata_only``
    the server sends each object's ``metadata`` alone (kind ``PartialObjectMetadata``)."""

    group_kind: GroupKind
    namespace: str = ""
    label_selector: str = ""
    field_selector: str = ""
    metadata_only: bool = False

    def query(self) -> dict[str, str]:
        """The selectors as query parameters."""
        query: dict[str, str] = {}
        if self.label_selector:
            query["labelSelector"] = self.label_selector
        if self.field_selector:
            query["fieldSelector"] = self.field_selector
        return query

    def __str__(self) -> str:
        where = self.namespace or "all namespaces"
        selected = ",".join(s for s in (self.label_selector, self.field_selector) if s)
        return f"{self.group_kind} in {where}" + (f" ({selected})" if selected else "")


class KubeCluster:
    """One API server. Thread-safe: the underlying urllib3 pool is."""

    def __init__(
        self,
        api_client: client.ApiClient,
        *,
        on_request: RequestHook | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.api_client = api_client
        self._on_request = on_request
        self._timeout = timeout_seconds
        self._resources: dict[GroupKind, ApiResource] | None = None
        self._lock = threading.Lock()
        self._version: str | None = None

    @property
    def host(self) -> str:
        return str(self.api_client.configuration.host)

    # --- raw HTTP -------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = JSON,
        accept: str = JSON,
        kind: str = "",
        what: str = "",
        secret: bool = False,
        timeout: float | None = None,
        stream: bool = False,
    ) -> Any:
        """Send one request; return the decoded JSON body (or the raw response if stream)."""
        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = content_type
        _, url, headers, _, _ = self.api_client.param_serialize(
            method=method,
            resource_path=path,
            query_params=list((query or {}).items()),
            header_params=headers,
            auth_settings=["BearerToken"],
        )
        for attempt in range(1, THROTTLED_ATTEMPTS + 1):
            response = self._send(method, url, headers, body, timeout, kind, what or path)
            if response.status != 429 or attempt == THROTTLED_ATTEMPTS:
                break
            wait = _retry_after(response.headers, attempt)
            log.debug("%s: throttled (429), retrying in %.1fs", what or path, wait)
            response.read()  # release the connection before waiting
            time.sleep(wait)
        if stream and 200 <= response.status < 300:
            return response.response
        data = response.read()
        if not 200 <= response.status < 300:
            raise error_for(response.status, what or f"{method} {path}", data, secret=secret)
        return json.loads(data) if data else None

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: Any,
        timeout: float | None,
        kind: str,
        what: str,
    ) -> Any:
        # The REST client serialises dict bodies itself for JSON and YAML content types.
        try:
            response = self.api_client.rest_client.request(
                method,
                url,
                headers=headers,
                body=body,
                _request_timeout=timeout or self._timeout,
            )
        except (urllib3.exceptions.HTTPError, OSError, client.ApiException) as error:
            self._report(method, kind, 0)
            raise ClusterUnreachable(
                f"{what}: API server {self.host} unreachable: {type(error).__name__}",
                status=0,
            ) from error
        self._report(method, kind, response.status)
        return response

    def _report(self, verb: str, kind: str, code: int) -> None:
        if self._on_request is not None:
            self._on_request(verb, kind, code)

    # --- discovery ------------------------------------------------------------------
    def server_version(self) -> str:
        if self._version is None:
            info = self.request("GET", "/version", what="version")
            self._version = str(info.get("gitVersion", ""))
        return self._version

    def resources(self, *, refresh: bool = False) -> Mapping[GroupKind, ApiResource]:
        with self._lock:
            if self._resources is None or refresh:
                self._resources = discover(self._fetch_raw)
            return self._resources

    def _fetch_raw(self, path: str, headers: dict[str, str]) -> bytes:
        result = self.request("GET", path, accept=headers["Accept"], what=f"discovery {path}")
        return json.dumps(result).encode()

    def resource_for(self, group_kind: GroupKind) -> ApiResource:
        found = self.resources().get(group_kind)
        if found is None:
            found = self.resources(refresh=True).get(group_kind)
        if found is None:
            raise NotFound(
                f"{group_kind}: kind is not served by {self.host}", status=404, reason=NOT_SERVED
            )
        return found

    # --- paths ----------------------------------------------------------------------
    def collection_path(self, resource: ApiResource, namespace: str | None) -> str:
        prefix = f"/apis/{resource.group}/{resource.version}" if resource.group else "/api/v1"
        if resource.namespaced and namespace:
            return f"{prefix}/namespaces/{namespace}/{resource.plural}"
        return f"{prefix}/{resource.plural}"

    def object_path(self, key: ResourceKey) -> tuple[ApiResource, str]:
        resource = self.resource_for(key.group_kind)
        base = self.collection_path(resource, key.namespace)
        return resource, f"{base}/{urllib.parse.quote(key.name, safe='')}"

    # --- verbs ----------------------------------------------------------------------
    def get(self, key: ResourceKey) -> KubeObject | None:
        try:
            _, path = self.object_path(key)
            result: KubeObject = self.request("GET", path, kind=key.kind, what=str(key))
        except NotFound:
            return None
        return result

    def list(
        self,
        group_kind: GroupKind,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> builtins.list[KubeObject]:
        selection = Selection(group_kind, namespace or "", label_selector or "")
        items, _, _ = self._list_page(selection, {})
        return items

    def collect(
        self, selection: Selection, keep: Callable[[KubeObject], T], page_size: int = 500
    ) -> tuple[builtins.list[T], str]:
        """Every object of ``selection`` passed through ``keep`` page by page, and the
        list's resourceVersion (one snapshot across pages) to watch from. A watch cache
        keeps a slim copy of each object: paging means the full objects of one page, not
        of the whole collection, are in memory at once (at 3000 Applications the single
        list was a transient high-water mark in every replica)."""
        kept: builtins.list[T] = []
        version = ""
        for items, page_version in self._paged(selection, page_size):
            kept.extend(keep(item) for item in items)
            version = page_version  # the same snapshot on every page
        return kept, version

    def resource_version(self, selection: Selection) -> str:
        """The collection's current resourceVersion, from a list of at most one object:
        for a watch that needs no initial state, only where to start."""
        _, version, _ = self._list_page(selection, {"limit": "1"})
        return version

    def pages(
        self, selection: Selection, page_size: int = 250
    ) -> Iterator[builtins.list[KubeObject]]:
        """The objects of ``selection`` a page at a time (``limit``/``continue``), so a
        caller that needs every object once never holds them all. A continuation that
        expired (410) raises as any other error."""
        for items, _ in self._paged(selection, page_size):
            yield items

    def _paged(
        self, selection: Selection, page_size: int
    ) -> Iterator[tuple[builtins.list[KubeObject], str]]:
        """Each page of ``selection`` with the list's resourceVersion."""
        query = {"limit": str(page_size)}
        while True:
            items, version, token = self._list_page(selection, query)
            yield items, version
            if not token:
                return
            query = {"limit": str(page_size), "continue": token}

    def _list_page(
        self, selection: Selection, paging: Mapping[str, str]
    ) -> tuple[builtins.list[KubeObject], str, str]:
        group_kind = selection.group_kind
        resource = self.resource_for(group_kind)
        result = self.request(
            "GET",
            self.collection_path(resource, selection.namespace),
            query={**selection.query(), **paging},
            accept=METADATA_LIST if selection.metadata_only else JSON,
            kind=group_kind.kind,
            what=f"list {group_kind}",
        )
        items: builtins.list[KubeObject] = result.get("items") or []
        if not selection.metadata_only:
            for item in items:  # list items omit apiVersion/kind
                item.setdefault("apiVersion", resource.api_version)
                item.setdefault("kind", resource.kind)
        metadata = result.get("metadata") or {}
        return items, str(metadata.get("resourceVersion", "")), str(metadata.get("continue") or "")

    def apply(
        self,
        obj: KubeObject,
        *,
        dry_run: bool = False,
        force: bool = True,
        field_manager: str = "gitopsd",
        field_validation: str = "",
    ) -> KubeObject:
        key = ResourceKey.of(obj)
        _, path = self.object_path(key)
        query = {**_write_query(field_manager, dry_run), "force": "true" if force else "false"}
        if field_validation:
            query["fieldValidation"] = field_validation
        return self._write(
            "PATCH",
            path,
            query=query,
            body=obj,
            content_type=APPLY_PATCH,
            kind=key.kind,
            what=f"{key} {'dry-run ' if dry_run else ''}apply failed",
            secret=is_secret(obj),
        )

    def create(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        key = ResourceKey.of(obj)
        resource = self.resource_for(key.group_kind)
        path = self.collection_path(resource, key.namespace)
        return self._store("POST", path, obj, obj, dry_run=dry_run, verb="create")

    def replace(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        key = ResourceKey.of(obj)
        _, path = self.object_path(key)
        body = json.loads(json.dumps(obj))
        if not body.get("metadata", {}).get("resourceVersion"):
            live = self.get(key)
            if live is None:
                return self.create(obj, dry_run=dry_run)
            body["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
        return self._store("PUT", path, obj, body, dry_run=dry_run, verb="replace")

    def delete(
        self,
        key: ResourceKey,
        *,
        propagation: str = "Foreground",
        dry_run: bool = False,
    ) -> None:
        _, path = self.object_path(key)
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "propagationPolicy": propagation,
        }
        if dry_run:
            body["dryRun"] = ["All"]
        try:
            self.request("DELETE", path, body=body, kind=key.kind, what=f"{key} delete failed")
        except NotFound:
            return

    def merge_patch(
        self, key: ResourceKey, patch: KubeObject, *, field_manager: str = ""
    ) -> KubeObject:
        """A JSON merge patch; ``field_manager`` names the writer in ``managedFields``
        (empty: the server derives one from the client's user agent)."""
        _, path = self.object_path(key)
        return self._write(
            "PATCH",
            path,
            query={"fieldManager": field_manager} if field_manager else None,
            body=patch,
            content_type=MERGE_PATCH,
            kind=key.kind,
            what=f"{key} patch failed",
        )

    def json_patch(
        self, key: ResourceKey, operations: builtins.list[dict[str, Any]], *, subresource: str = ""
    ) -> KubeObject:
        """An RFC 6902 JSON patch. A failing ``test`` operation makes the server refuse the
        whole patch (``Invalid``), which is how a write is made conditional on a field."""
        _, path = self.object_path(key)
        return self._write(
            "PATCH",
            f"{path}/{subresource}" if subresource else path,
            body=operations,
            content_type=JSON_PATCH,
            kind=key.kind,
            what=f"{key} {subresource + ' ' if subresource else ''}patch failed",
        )

    def patch_status(self, key: ResourceKey, status: dict[str, Any]) -> KubeObject:
        """Merge-patch the status subresource."""
        _, path = self.object_path(key)
        return self._write(
            "PATCH",
            f"{path}/status",
            body={"status": status},
            content_type=MERGE_PATCH,
            kind=key.kind,
            what=f"{key} status patch failed",
        )

    def replace_status(
        self,
        key: ResourceKey,
        status: dict[str, Any],
        *,
        expect: Mapping[str, Any] | None = None,
    ) -> KubeObject:
        """Make ``status`` the whole status: nothing of the previous one is left behind
        (a merge patch would keep nested keys the new status no longer has). ``expect``
        maps JSON pointers to the values they must still hold, or the server refuses the
        write (``Invalid``)."""
        tests = [
            {"op": "test", "path": path, "value": value} for path, value in (expect or {}).items()
        ]
        return self.json_patch(
            key, [*tests, {"op": "add", "path": "/status", "value": status}], subresource="status"
        )

    def _store(
        self, method: str, path: str, obj: KubeObject, body: KubeObject, *, dry_run: bool, verb: str
    ) -> KubeObject:
        """Create or replace ``obj`` whole (sending ``body``) as gitopsd's field manager."""
        key = ResourceKey.of(obj)
        return self._write(
            method,
            path,
            query=_write_query("gitopsd", dry_run),
            body=body,
            kind=key.kind,
            what=f"{key} {verb} failed",
            secret=is_secret(obj),
        )

    def _write(
        self,
        method: str,
        path: str,
        *,
        body: Any,
        kind: str,
        what: str,
        query: Mapping[str, str] | None = None,
        content_type: str = JSON,
        secret: bool = False,
    ) -> KubeObject:
        """A write whose answer is the object as the server stored it."""
        result: KubeObject = self.request(
            method,
            path,
            query=query,
            body=body,
            content_type=content_type,
            kind=kind,
            what=what,
            secret=secret,
        )
        return result

    def create_event(self, event: KubeObject) -> None:
        namespace = event["metadata"]["namespace"]
        try:
            self.request(
                "POST",
                f"/api/v1/namespaces/{namespace}/events",
                body=event,
                kind="Event",
                what="event",
            )
        except ClusterError:
            return  # events are best effort, as in client-go's recorder

    # --- watch ----------------------------------------------------------------------
    def watch(
        self, selection: Selection, *, resource_version: str, timeout_seconds: int = 300
    ) -> Iterator[tuple[str, KubeObject]]:
        """Yield (type, object) events until the server closes the watch."""
        group_kind = selection.group_kind
        resource = self.resource_for(group_kind)
        query = {
            "watch": "true",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout_seconds),
            **selection.query(),
        }
        raw = self.request(
            "GET",
            self.collection_path(resource, selection.namespace),
            query=query,
            accept=METADATA_OBJECT if selection.metadata_only else JSON,
            kind=group_kind.kind,
            what=f"watch {group_kind}",
            timeout=timeout_seconds + 30,
            stream=True,
        )
        try:
            buffer = b""
            for chunk in raw.stream(amt=None, decode_content=False):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        event = json.loads(line)
                        yield str(event.get("type")), event.get("object") or {}
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise ClusterUnreachable(f"watch {group_kind}: {error}", status=0) from error
        finally:
            raw.release_conn()


def _retry_after(headers: Any, attempt: int) -> float:
    """The server's ``Retry-After`` (seconds), else a short growing wait; capped."""
    try:
        asked = float((headers or {}).get("Retry-After") or 0)
    except (TypeError, ValueError):
        asked = 0.0
    wait = asked if asked > 0 else 0.25 * attempt
    return min(wait, THROTTLED_MAX_WAIT_SECONDS)


def api_version_of(obj: KubeObject) -> tuple[str, str]:
    return split_api_version(str(obj.get("apiVersion", "")))


def _write_query(field_manager: str, dry_run: bool) -> dict[str, str]:
    """The query of a write by ``field_manager``; a dry run is checked and admitted by
    the server but not stored."""
    query = {"fieldManager": field_manager}
    if dry_run:
        query["dryRun"] = "All"
    return query
