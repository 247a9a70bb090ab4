"""Sharding on the real control plane: real ``gitopsd run --sharding`` processes share the
Applications, each holding a Lease of its own.

- three replicas: every Application is reconciled by exactly one of them, the one
  rendezvous hashing gives it, and its status says which;
- one is killed (SIGKILL): nobody touches its Applications before its Lease expired, and
  a manual edit made right after the kill is healed soon after that;
- one is frozen (SIGSTOP) past its Lease: the others take its Applications over; when it
  resumes it writes nothing to them until every other replica has acknowledged it again;
- a fourth joins: it takes only its share, and the others never stop acting on theirs;
  when it stops cleanly it releases its Lease and its share goes back at once.

Lease times are short here (6 s lease, 4 s renew deadline, 1 s retry period).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.support.controller import (
    RunningController,
    sharded_args,
    start_controller,
    start_replicas,
)
from tests.support.gitserver import BareRepo
from tests.support.kube import Kubectl
from tests.support.sharding import (
    Api,
    create_small_apps,
    expected_owners,
    lease_expiry,
    small_apps_repo,
    wall,
)

pytestmark = pytest.mark.usefixtures("crds")

REPLICAS = ("replica-a", "replica-b", "replica-c")
COUNT = 24  # enough that every replica owns some, whatever the namespace's name


@pytest.fixture
def apps_repo(tmp_path: Path) -> BareRepo:
    return small_apps_repo(tmp_path, COUNT)


def owned_metric(running: RunningController) -> int:
    match = re.search(
        r'^gitopsd_shard_owned\{kind="Application",replica="[^"]+"\} (\S+)$',
        running.metrics(),
        re.MULTILINE,
    )
    assert match, "gitopsd_shard_owned missing"
    return int(float(match.group(1)))


def edit(kubectl: Kubectl, namespace: str, name: str) -> None:
    patch = '{"data":{"colour":"red"}}'
    kubectl.run("patch", "configmap", "-n", namespace, name, "--type=merge", "-p", patch)


def healed(api: Api, name: str) -> float | None:
    """The time the ConfigMap was seen back as Git says, or None."""
    found = api.configmap(name)
    return wall() if found and (found.get("data") or {}).get("colour") == "blue" else None


def stop_all(replicas: dict[str, RunningController]) -> None:
    for running in replicas.values():
        running.stop()


def synced_by(
    kubectl: Kubectl, api: Api, names: list[str], owners: dict[str, str], timeout: float = 120
) -> None:
    kubectl.wait_for(
        lambda: api.synced_by(names, owners),
        timeout=timeout,
        what="every Application Synced and Healthy, written by its owner",
        interval=0.5,
    )


def test_three_replicas_share_the_apps_and_a_killed_one_s_are_taken_over(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str, apps_repo: BareRepo
) -> None:
    api = Api.connect(kubeconfig, namespace)
    replicas = start_replicas(namespace, tmp_path, REPLICAS, kubeconfig=kubeconfig)
    try:
        names = create_small_apps(kubectl, namespace, apps_repo.url, COUNT)
        owners = expected_owners(namespace, names, REPLICAS)
        assert set(owners.values()) == set(REPLICAS)
        # Disjoint and complete: each Application's status names the one replica that
        # rendezvous hashing over the three gives it.
        synced_by(kubectl, api, names, owners)
        assert api.views() == {r: REPLICAS for r in REPLICAS}
        for replica, running in replicas.items():
            share = sum(owner == replica for owner in owners.values())
            assert owned_metric(running) == share
            assert "sharding: " in running.log()

        victim = "replica-c"
        lost = sorted(n for n, o in owners.items() if o == victim)
        replicas[victim].kill()
        expiry = lease_expiry(api.leases()[victim])
        edit(kubectl, namespace, lost[0])  # right after the kill
        healed_at = kubectl.wait_for(
            lambda: healed(api, lost[0]),
            timeout=max(expiry - wall(), 0) + 10,
            what=f"{lost[0]} healed within 10 s of {victim}'s Lease expiring",
            interval=0.1,
        )
        print(f"\nedit healed {healed_at - expiry:.1f} s after the dead replica's Lease expired")
        # Nobody acted on the dead replica's Applications before its Lease expired.
        assert healed_at >= expiry
        survivors = REPLICAS[:2]
        after = expected_owners(namespace, names, survivors)
        synced_by(kubectl, api, names, after, timeout=30)
        assert {n for n in names if after[n] != owners[n]} == set(lost)  # only its share moved
        views = api.views()
        assert {r: views[r] for r in survivors} == {r: survivors for r in survivors}
        assert views[victim] == REPLICAS  # the dead replica's Lease, as it left it
    finally:
        stop_all(replicas)


def test_a_paused_replica_writes_nothing_to_applications_it_lost(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str, apps_repo: BareRepo
) -> None:
    api = Api.connect(kubeconfig, namespace)
    replicas = start_replicas(
        namespace, tmp_path, REPLICAS, kubeconfig=kubeconfig, reconcile_interval="5s"
    )
    try:
        names = create_small_apps(kubectl, namespace, apps_repo.url, COUNT)
        owners = expected_owners(namespace, names, REPLICAS)
        synced_by(kubectl, api, names, owners)
        victim = "replica-c"
        lost = sorted(n for n, o in owners.items() if o == victim)
        replicas[victim].pause()
        edit(kubectl, namespace, lost[0])  # its watch events wait for it, frozen
        survivors = REPLICAS[:2]
        after = expected_owners(namespace, names, survivors)
        synced_by(kubectl, api, names, after, timeout=40)  # taken over while it is frozen
        assert healed(api, lost[0])
        edit(kubectl, namespace, lost[1])  # more work waiting for it when it wakes
        kubectl.wait_for(lambda: healed(api, lost[1]), timeout=15, what="second edit healed")

        # It resumes: record who writes its former Applications, and what every Lease
        # acknowledges, several times a second.
        replicas[victim].resume()
        samples = []
        until = wall() + 15
        while wall() < until:
            writers = api.writers()  # first the Applications, then the Leases: a
            views = api.views()  # write seen here happened before these views
            samples.append((writers, views))
            time.sleep(0.1)
        regained = False
        for writers, views in samples:
            for name in lost:
                if writers[name] != victim:
                    continue
                regained = True
                # It wrote again only once every live replica acknowledged it.
                assert all(victim in view for view in views.values()), (name, views)
        # Its share came back to it, legitimately, in the end.
        assert regained
        synced_by(kubectl, api, names, owners, timeout=30)
        assert api.views() == {r: REPLICAS for r in REPLICAS}
    finally:
        stop_all(replicas)


def test_a_fourth_replica_takes_only_its_share_while_the_others_keep_acting(
    kubectl: Kubectl, namespace: str, tmp_path: Path, kubeconfig: str, apps_repo: BareRepo
) -> None:
    api = Api.connect(kubeconfig, namespace)
    replicas = start_replicas(namespace, tmp_path, REPLICAS, kubeconfig=kubeconfig)
    try:
        names = create_small_apps(kubectl, namespace, apps_repo.url, COUNT)
        before = expected_owners(namespace, names, REPLICAS)
        synced_by(kubectl, api, names, before)
        four = (*REPLICAS, "replica-d")
        after = expected_owners(namespace, names, four)
        staying = sorted(n for n in names if after[n] == before[n])
        floor = {r: sum(o == r for o in after.values()) for r in REPLICAS}

        replicas["replica-d"] = start_controller(
            namespace,
            tmp_path / "replica-d",
            kubeconfig=kubeconfig,
            extra_args=sharded_args("replica-d"),
        )
        edited_at = wall()
        edit(kubectl, namespace, staying[0])  # during the join
        lowest = {r: owned_metric(replicas[r]) for r in REPLICAS}
        healed_at = None
        until = wall() + 20
        while wall() < until and api.writers() != after:
            healed_at = healed_at or healed(api, staying[0])
            for replica in REPLICAS:
                lowest[replica] = min(lowest[replica], owned_metric(replicas[replica]))
            time.sleep(0.2)
        healed_at = healed_at or kubectl.wait_for(
            lambda: healed(api, staying[0]), timeout=10, what="edit healed"
        )
        print(f"\nedit during the join healed in {healed_at - edited_at:.1f} s")
        assert healed_at - edited_at < 10
        # The others never stopped acting on what they keep: their share only shrank to
        # what the fourth leaves them, never below.
        assert all(lowest[r] >= floor[r] for r in REPLICAS), (lowest, floor)
        synced_by(kubectl, api, names, after, timeout=30)
        moved = {n for n in names if after[n] != before[n]}
        assert moved == {n for n in names if after[n] == "replica-d"}
        assert moved

        # It stops cleanly (SIGTERM): it releases its Lease, and the others take its share
        # back without waiting for the Lease to expire.
        replicas["replica-d"].stop()
        released = api.leases()["gitopsd-controller-replica-d"]
        assert not (released.get("spec") or {}).get("holderIdentity")
        would_expire = lease_expiry(released)
        kubectl.wait_for(
            lambda: all(api.views().get(r) == REPLICAS for r in REPLICAS),
            timeout=30,
            what="the three others acting on a view without the fourth",
            interval=0.1,
        )
        print(f"\nhanded back {would_expire - wall():.1f} s before the Lease would have expired")
        assert wall() < would_expire
        synced_by(kubectl, api, names, before, timeout=30)
    finally:
        stop_all(replicas)
