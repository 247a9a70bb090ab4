"""Application sources are read in one place: the typed spec, and a lenient reader of the
two shapes (``source``, ``sources``) for listings and invalid specs."""

from __future__ import annotations

import pytest

from gitopsd.errors import SpecError
from gitopsd.spec import compared_to, parse_application_spec, raw_sources

ONE = {"repoURL": "https://git.example.com/a.git", "path": "app", "helm": {"valuesObject": {}}}
TWO = {"repoURL": "https://git.example.com/b.git", "ref": "values"}
DESTINATION = {"server": "https://kubernetes.default.svc", "namespace": "web"}


def test_the_typed_spec_keeps_each_source_as_written_for_status() -> None:
    spec = parse_application_spec({"sources": [ONE, TWO], "destination": DESTINATION})
    assert spec.multi_source
    assert [s.repo_url for s in spec.sources] == [ONE["repoURL"], TWO["repoURL"]]
    bodies = spec.source_bodies()
    assert bodies == [ONE, TWO]
    bodies[0]["path"] = "changed"  # a copy: status writes never change the spec
    assert spec.source_bodies()[0]["path"] == "app"


def test_one_reader_knows_both_shapes_and_tolerates_an_invalid_spec() -> None:
    assert raw_sources({"source": ONE}) == [ONE]
    assert raw_sources({"sources": [ONE, "junk", TWO]}) == [ONE, TWO]
    assert raw_sources({"sources": "junk"}) == []
    assert raw_sources({}) == []


def test_compared_to_records_what_was_written() -> None:
    assert compared_to({"source": ONE, "destination": DESTINATION}) == {
        "destination": DESTINATION,
        "source": ONE,
    }
    assert compared_to({"sources": [TWO], "destination": {}}) == {
        "destination": {},
        "sources": [TWO],
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"sources": "junk"}, "spec.sources: expected a list of sources"),
        ({"sources": [ONE, "junk"]}, "spec.sources: expected a list of sources"),
        ({"source": "junk"}, "spec.source: expected a source"),
    ],
)
def test_malformed_sources_are_spec_errors(spec: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_application_spec({**spec, "destination": DESTINATION})
