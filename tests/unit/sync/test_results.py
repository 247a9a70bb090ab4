"""Pure pieces of the sync engine: results across passes, shared objects, lookups."""

from __future__ import annotations

from gitopsd.diff import Comparison, ObjectComparison, shared_resources
from gitopsd.health import Health
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import HealthStatus, HookType, ResultCode, SyncStatus
from gitopsd.sync.results import ResourceResult, merge_results

WEB = ResourceKey("apps", "Deployment", "shop", "web")
CONFIG = ResourceKey("", "ConfigMap", "shop", "config")


def test_an_unchanged_pass_does_not_hide_what_an_earlier_pass_did() -> None:
    earlier = [ResourceResult(WEB, ResultCode.CREATED), ResourceResult(CONFIG, ResultCode.FAILED)]
    later = [
        ResourceResult(WEB, ResultCode.UNCHANGED),
        ResourceResult(CONFIG, ResultCode.CONFIGURED),
    ]
    merged = {r.key: r.code for r in merge_results(earlier, later)}
    assert merged == {WEB: ResultCode.CREATED, CONFIG: ResultCode.CONFIGURED}


def test_a_hook_and_a_resource_of_the_same_name_are_kept_apart() -> None:
    hook = ResourceResult(WEB, ResultCode.CREATED, hook=HookType.PRE_SYNC, hook_phase="Succeeded")
    merged = merge_results([hook], [ResourceResult(WEB, ResultCode.CONFIGURED)])
    assert [(r.hook, r.code) for r in merged] == [
        (None, ResultCode.CONFIGURED),
        (HookType.PRE_SYNC, ResultCode.CREATED),
    ]


def test_result_lines_start_with_the_object() -> None:
    line = ResourceResult(WEB, ResultCode.FAILED, "Deployment/shop/web: field is immutable").line()
    assert line.startswith("Deployment/shop/web failed")


def _compared(key: ResourceKey, tracking: str | None) -> ObjectComparison:
    live = {"metadata": {"annotations": {"gitopsd.io/tracking-id": tracking}}} if tracking else {}
    return ObjectComparison(
        key=key,
        desired=object(),  # type: ignore[arg-type]
        live=live or {"metadata": {}},
        diff=None,
        in_sync=True,
        health=Health(HealthStatus.HEALTHY),
    )


def test_objects_tracked_by_another_application_are_shared() -> None:
    comparison = Comparison(
        objects=(
            _compared(WEB, "gitopsd_other:apps/Deployment:shop/web"),
            _compared(CONFIG, "gitopsd_shop:/ConfigMap:shop/config"),
        ),
        sync_status=SyncStatus.SYNCED,
        health=Health(HealthStatus.HEALTHY),
    )
    assert shared_resources(comparison, "gitopsd", "shop") == frozenset({WEB})
    assert comparison.get(CONFIG) is comparison.objects[1]
    assert comparison.get(ResourceKey("", "Secret", "shop", "x")) is None
