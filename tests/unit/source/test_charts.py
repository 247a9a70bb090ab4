"""Chart repositories over real HTTP(S) on 127.0.0.1: versions, the cache, digests,
credentials and redirects (``gitopsd.source.ChartRepositories``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitopsd.errors import (
    AuthenticationFailed,
    DigestMismatch,
    RepositoryUnreachable,
    RevisionNotFound,
)
from gitopsd.source import ChartRepositories, credentials_from_secrets
from gitopsd.source.charts import split_pinned
from tests.support.charts import ChartServer, chart_server, index, make_chart, package, tls_files


def _secret(fields: dict[str, str]) -> dict[str, Any]:
    return {
        "metadata": {"name": "charts", "namespace": "gitopsd",
                     "labels": {"gitopsd.io/secret-type": "repository"}},
        "stringData": {"type": "helm", **fields},
    }  # fmt: skip


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    out = tmp_path / "repo"
    for version in ("1.0.0", "1.2.0", "1.2.7", "2.0.0-rc.1"):
        package(make_chart(tmp_path / "src", "hello", version), out)
    return out


@pytest.fixture
def served(repo_dir: Path) -> Iterator[ChartServer]:
    with chart_server(repo_dir) as server:
        index(repo_dir, server.url)
        yield server


def test_a_constraint_resolves_to_the_newest_match_with_its_digest(
    served: ChartServer, tmp_path: Path
) -> None:
    charts = ChartRepositories(tmp_path / "cache")
    resolved = charts.resolve(served.url, "hello", "1.2.*")
    assert resolved.version == "1.2.7"
    pinned = split_pinned(resolved.revision)
    assert pinned is not None and pinned[0] == "1.2.7"
    directory = charts.chart_dir(resolved)
    assert (directory / "Chart.yaml").is_file()
    assert charts.resolve(served.url, "hello", ">=1.0 <1.2").version == "1.0.0"
    assert charts.resolve(served.url, "hello", "*").version == "1.2.7"  # no pre-release


def test_many_renders_download_once_and_the_index_is_asked_conditionally(
    served: ChartServer, tmp_path: Path
) -> None:
    charts = ChartRepositories(tmp_path / "cache")
    for _ in range(20):
        charts.chart_dir(charts.resolve(served.url, "hello", "1.2.7"))
    assert charts.downloads == 1
    assert served.count("hello-1.2.7.tgz") == 1
    assert served.count("index.yaml", 200) == 1
    assert served.count("index.yaml", 304) == 19  # conditional requests, nothing resent


def test_a_shared_index_answer_is_not_asked_again_within_its_age(
    served: ChartServer, tmp_path: Path
) -> None:
    clock = [0.0]
    charts = ChartRepositories(
        tmp_path / "cache", index_max_age_seconds=5.0, clock=lambda: clock[0]
    )
    for _ in range(10):
        charts.resolve(served.url, "hello", "1.2.7")
    assert served.count("index.yaml") == 1
    clock[0] = 6.0
    charts.resolve(served.url, "hello", "1.2.7")
    assert served.count("index.yaml", 304) == 1
    charts.forget(served.url)
    charts.resolve(served.url, "hello", "1.2.7")
    assert served.count("index.yaml") == 3


def test_no_matching_version_names_what_exists(served: ChartServer, tmp_path: Path) -> None:
    charts = ChartRepositories(tmp_path / "cache")
    with pytest.raises(RevisionNotFound, match=r"no version matches '9\.9\.9'.*1\.2\.7"):
        charts.resolve(served.url, "hello", "9.9.9")
    with pytest.raises(RevisionNotFound, match="not in the repository's index"):
        charts.resolve(served.url, "nope", "*")


def test_a_tampered_archive_is_refused_and_nothing_is_stored(
    served: ChartServer, repo_dir: Path, tmp_path: Path
) -> None:
    other = package(make_chart(tmp_path / "evil", "hello", "1.2.7", configmap_data={"x": "y"}),
                    tmp_path / "evil-out")  # fmt: skip
    shutil.copyfile(other, repo_dir / "hello-1.2.7.tgz")  # index.yaml keeps the old digest
    charts = ChartRepositories(tmp_path / "cache")
    resolved = charts.resolve(served.url, "hello", "1.2.7")
    with pytest.raises(DigestMismatch, match="digest mismatch"):
        charts.chart_dir(resolved)
    blobs = tmp_path / "cache" / "charts" / "blobs" / "sha256"
    assert not blobs.exists() or not [p for p in blobs.iterdir() if not p.name.startswith(".")]


def test_a_pinned_revision_whose_digest_changed_is_refused(
    served: ChartServer, repo_dir: Path, tmp_path: Path
) -> None:
    charts = ChartRepositories(tmp_path / "cache")
    pinned = charts.resolve(served.url, "hello", "1.2.7").revision
    shutil.copyfile(
        package(make_chart(tmp_path / "new", "hello", "1.2.7", configmap_data={"a": "b"}),
                tmp_path / "new-out"),
        repo_dir / "hello-1.2.7.tgz",
    )  # fmt: skip
    index(repo_dir, served.url)  # republished under the same version
    charts.forget()
    with pytest.raises(DigestMismatch, match="now has digest"):
        charts.resolve(served.url, "hello", pinned)


def test_basic_auth_from_a_repository_secret(repo_dir: Path, tmp_path: Path) -> None:
    with chart_server(repo_dir, username="ci", password="pa55word") as server:
        index(repo_dir, server.url)
        anonymous = ChartRepositories(tmp_path / "a")
        with pytest.raises(AuthenticationFailed, match=r"refused access to the index\.yaml"):
            anonymous.resolve(server.url, "hello", "*")
        store = credentials_from_secrets(
            [_secret({"url": server.url, "username": "ci", "password": "pa55word"})]
        )
        charts = ChartRepositories(tmp_path / "b", credentials=store)
        charts.chart_dir(charts.resolve(server.url, "hello", "*"))
        assert charts.downloads == 1


def test_credentials_never_reach_another_server(repo_dir: Path, tmp_path: Path) -> None:
    """The index lists its archives on another server; a redirect leads to a third."""
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(repo_dir, elsewhere)
    with (
        chart_server(elsewhere) as archives,
        chart_server(elsewhere, redirects={"/index.yaml": "/real-index.yaml"}) as redirector,
        chart_server(repo_dir, username="ci", password="pw") as server,
    ):
        index(repo_dir, archives.url)  # archive URLs on the other server
        shutil.copyfile(repo_dir / "index.yaml", elsewhere / "real-index.yaml")
        store = credentials_from_secrets(
            [_secret({"url": server.url, "username": "ci", "password": "pw"})]
        )
        charts = ChartRepositories(tmp_path / "cache", credentials=store)
        charts.chart_dir(charts.resolve(server.url, "hello", "1.0.0"))
        assert [r.authorized for r in archives.requests] == [False]
        assert all(r.authorized for r in server.requests)
        server.redirects["/index.yaml"] = f"{redirector.url}/index.yaml"
        charts.forget()
        charts.resolve(server.url, "hello", "1.0.0")
        assert redirector.requests and not any(r.authorized for r in redirector.requests)


def test_https_trusts_the_secret_ca_and_insecure_only_when_set(
    repo_dir: Path, tmp_path: Path
) -> None:
    cert, key = tls_files(tmp_path / "tls")
    with chart_server(repo_dir, tls=(cert, key)) as server:
        index(repo_dir, server.url)
        with pytest.raises(RepositoryUnreachable, match="not trusted"):
            ChartRepositories(tmp_path / "a").resolve(server.url, "hello", "*")
        for fields in ({"tlsCACertData": cert.read_text()}, {"insecure": "true"}):
            store = credentials_from_secrets([_secret({"url": server.url, **fields})])
            charts = ChartRepositories(tmp_path / str(len(fields)), credentials=store)
            assert charts.resolve(server.url, "hello", "*").version == "1.2.7"


def test_a_repository_that_is_down_is_a_clear_error(repo_dir: Path, tmp_path: Path) -> None:
    server = ChartServer(repo_dir)
    with pytest.raises(RepositoryUnreachable, match="connection refused"):
        ChartRepositories(tmp_path / "cache").resolve(server.url, "hello", "*")


def test_a_tls_client_certificate_from_the_secret(repo_dir: Path, tmp_path: Path) -> None:
    cert, key = tls_files(tmp_path / "server")
    client_cert, client_key = tls_files(tmp_path / "client")  # self-signed: its own CA
    with chart_server(repo_dir, tls=(cert, key), client_ca=client_cert) as server:
        index(repo_dir, server.url)
        without = credentials_from_secrets(
            [_secret({"url": server.url, "tlsCACertData": cert.read_text()})]
        )
        with pytest.raises(RepositoryUnreachable, match=r"TLS|reset|closed|EOF"):
            ChartRepositories(tmp_path / "a", credentials=without).resolve(server.url, "hello", "*")
        store = credentials_from_secrets([_secret({
            "url": server.url, "tlsCACertData": cert.read_text(),
            "tlsClientCertData": client_cert.read_text(),
            "tlsClientCertKey": client_key.read_text(),
        })])  # fmt: skip
        charts = ChartRepositories(tmp_path / "b", credentials=store)
        assert charts.resolve(server.url, "hello", "*").version == "1.2.7"
        assert "PRIVATE KEY" not in repr(store)
