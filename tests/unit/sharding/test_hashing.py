"""Rendezvous hashing: every key has exactly one owner, keys spread evenly, and a member
joining or leaving moves only the keys it takes or gives up."""

from __future__ import annotations

from collections import Counter

import pytest

from gitopsd.sharding import application_key, appset_key, make_view, owner

KEYS = [application_key("gitopsd", f"app-{i:05d}") for i in range(9000)]


def shares(view: tuple[str, ...]) -> dict[str, str]:
    return {key: owner(key, view) or "" for key in KEYS}


def test_every_key_has_one_owner_in_the_view() -> None:
    view = make_view(["replica-c", "replica-a", "replica-b", "replica-a"])
    assert view == ("replica-a", "replica-b", "replica-c")
    assert set(shares(view).values()) == set(view)
    assert owner(KEYS[0], ()) is None


@pytest.mark.parametrize("members", [2, 3, 5, 8])
def test_keys_spread_evenly(members: int) -> None:
    view = make_view(f"gitopsd-{i}" for i in range(members))
    counts = Counter(shares(view).values())
    expected = len(KEYS) / members
    # 9000 keys: a fair share is within a few standard deviations (~sqrt(n p (1-p))).
    assert all(abs(count - expected) < 0.08 * expected for count in counts.values()), counts


def test_a_joining_member_takes_only_keys_it_now_owns() -> None:
    before = shares(("a", "b", "c"))
    after = shares(("a", "b", "c", "d"))
    moved = {key for key in KEYS if before[key] != after[key]}
    assert moved == {key for key in KEYS if after[key] == "d"}
    assert 0.2 < len(moved) / len(KEYS) < 0.3  # about a quarter


def test_a_leaving_member_gives_up_only_its_own_keys() -> None:
    before = shares(("a", "b", "c"))
    after = shares(("a", "c"))
    moved = {key for key in KEYS if before[key] != after[key]}
    assert moved == {key for key in KEYS if before[key] == "b"}
    # Its keys are spread over the remaining members, not dumped on one.
    assert set(Counter(after[key] for key in moved)) == {"a", "c"}


def test_the_owner_is_the_same_everywhere_and_every_time() -> None:
    # A fixed answer: a change to the hash would reshuffle every installation's apps.
    assert owner(application_key("gitopsd", "guestbook"), ("a", "b", "c")) == owner(
        application_key("gitopsd", "guestbook"), ("c", "b", "a")
    )
    owners = [owner(application_key("gitopsd", f"app-{i}"), ("a", "b", "c")) for i in range(6)]
    assert owners == ["a", "c", "b", "b", "a", "a"]


def test_applications_and_applicationsets_spread_independently() -> None:
    view = ("a", "b", "c")
    same = sum(
        owner(application_key("ns", f"x{i}"), view) == owner(appset_key("ns", f"x{i}"), view)
        for i in range(3000)
    )
    assert 800 < same < 1200  # about a third agree, as for unrelated keys
