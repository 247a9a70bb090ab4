"""A push refreshes exactly the Applications whose source follows the pushed ref."""

from __future__ import annotations

import pytest

from gitopsd.webhook import AppRef, Provider, PushEvent, match_applications, revision_matches

REPO_SSH = "git@github.com:org/deploy.git"
REPO_HTTPS = "https://github.com/org/deploy"


def push(ref: str, *, default_branch: str = "", files: tuple[str, ...] = ()) -> PushEvent:
    short = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
    return PushEvent(
        provider=Provider.GITHUB,
        repo_urls=(REPO_HTTPS, REPO_HTTPS + ".git", REPO_SSH),
        revision=short,
        changed_files=files,
        ref=ref,
        default_branch=default_branch,
    )


@pytest.mark.parametrize(
    ("target", "event", "matches"),
    [
        ("HEAD", push("refs/heads/main"), True),
        ("", push("refs/heads/master"), True),
        ("HEAD", push("refs/heads/feature"), False),
        ("HEAD", push("refs/heads/trunk", default_branch="trunk"), True),
        ("HEAD", push("refs/heads/main", default_branch="trunk"), False),
        ("HEAD", push("refs/tags/v1.0.0"), False),
        ("main", push("refs/heads/main"), True),
        ("main", push("refs/heads/mainline"), False),
        ("refs/heads/main", push("refs/heads/main"), True),
        ("refs/heads/v1", push("refs/tags/v1"), False),
        ("v1.2.0", push("refs/tags/v1.2.0"), True),
        ("refs/tags/v1.2.0", push("refs/tags/v1.2.0"), True),
        ("v1.2.0", push("refs/tags/v1.2.1"), False),
        ("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", push("refs/heads/main"), False),
        (" main ", push("refs/heads/main"), True),
    ],
    ids=lambda value: value if isinstance(value, str | bool) else value.ref,
)
def test_revision_matching(target: str, event: PushEvent, matches: bool) -> None:
    assert revision_matches(target, event) is matches


def test_a_generic_event_without_revision_matches_every_revision() -> None:
    event = PushEvent(Provider.GENERIC, (REPO_HTTPS,), revision="")
    assert revision_matches("v9", event)
    assert revision_matches("HEAD", event)


def test_full_ref_target_against_an_event_without_full_ref() -> None:
    event = PushEvent(Provider.GENERIC, (REPO_HTTPS,), revision="release")
    assert revision_matches("refs/heads/release", event)


def test_matching_compares_normalised_urls_and_sorts() -> None:
    apps = [
        AppRef("team-b", "web", ("https://GitHub.com/org/deploy.git/",), ("HEAD",)),
        AppRef("team-a", "api", ("ssh://git@github.com/org/deploy",), ("main",)),
        AppRef("team-a", "other-repo", ("https://github.com/org/other",), ("HEAD",)),
        AppRef("team-a", "pinned", (REPO_HTTPS,), ("v1.0.0",)),
        AppRef("team-a", "feature", (REPO_HTTPS,), ("feature",)),
    ]
    matched = match_applications(push("refs/heads/main"), apps)
    assert [(a.namespace, a.name) for a in matched] == [("team-a", "api"), ("team-b", "web")]


def test_multi_source_app_matches_on_any_source_with_its_own_revision() -> None:
    app = AppRef(
        "gitopsd",
        "multi",
        ("https://github.com/org/charts", REPO_HTTPS),
        ("main", "prod"),
    )
    assert match_applications(push("refs/heads/prod"), [app]) == [app]
    # main is the charts repo's revision, not the deploy repo's
    assert match_applications(push("refs/heads/main"), [app]) == []


def test_missing_revision_means_head() -> None:
    app = AppRef("gitopsd", "web", (REPO_HTTPS,))
    assert match_applications(push("refs/heads/main"), [app]) == [app]


def test_the_same_app_twice_is_listed_once() -> None:
    app = AppRef("gitopsd", "web", (REPO_HTTPS,), ("HEAD",))
    assert match_applications(push("refs/heads/main"), [app, app]) == [app]


@pytest.mark.parametrize(
    ("files", "watch_paths", "matches"),
    [
        (("apps/web/deployment.yaml",), ("apps/web",), True),
        (("apps/web/deployment.yaml",), ("/apps/web/",), True),
        (("apps/worker/deployment.yaml",), ("apps/web",), False),
        (("apps/webhook/deployment.yaml",), ("apps/web",), False),
        (("apps/worker/x.yaml", "base/common.yaml"), ("apps/web", "base"), True),
        ((), ("apps/web",), True),  # the provider did not list files: refresh
        (("anything.yaml",), (), True),  # no watch paths: every change counts
        (("anything.yaml",), (".",), True),
    ],
)
def test_watch_paths_skip_unaffected_apps(
    files: tuple[str, ...], watch_paths: tuple[str, ...], matches: bool
) -> None:
    app = AppRef("gitopsd", "web", (REPO_HTTPS,), ("HEAD",), watch_paths)
    assert (match_applications(push("refs/heads/main", files=files), [app]) == [app]) is matches
