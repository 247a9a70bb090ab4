"""``gitopsd health``: golden output for ``testdata/cli/manifests.yaml`` in input order with
the file each resource came from, both customization file shapes, directories, the
``--fail-on`` exit code, and clear failures on unreadable input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gitopsd.cli.main import main

TESTDATA = Path(__file__).parent / "testdata" / "cli"
MANIFESTS = str(TESTDATA / "manifests.yaml")


@pytest.fixture
def in_testdata(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the test data, so the file names in the output are relative."""
    monkeypatch.chdir(TESTDATA)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["health", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("in_testdata")
def test_json_output_matches_golden(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "-o", "json", "--customizations", "customizations.yaml", "manifests.yaml"
    )
    assert code == 0
    assert json.loads(out) == json.loads((TESTDATA / "expected.json").read_text())


@pytest.mark.usefixtures("in_testdata")
def test_text_output_matches_golden(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--customizations", "customizations.yaml", "manifests.yaml")
    assert code == 0
    assert out == (TESTDATA / "expected.txt").read_text()


def test_json_shape_and_null_status_for_kinds_without_a_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "-o", "json", MANIFESTS)
    rows = json.loads(out)
    assert code == 0
    assert all(
        set(row) == {"file", "apiVersion", "kind", "namespace", "name", "health"}
        and set(row["health"]) == {"status", "message"}
        for row in rows
    )
    by_kind = {row["kind"]: row["health"] for row in rows}
    assert by_kind["ConfigMap"] == {"status": None, "message": None}
    # Without customizations, cert-manager's Certificate gets its built-in check.
    assert by_kind["Certificate"] == {"status": "Degraded", "message": "ACME order failed"}


def test_configmap_customizations_file_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    configmap = str(TESTDATA / "gitopsd-cm.yaml")
    code, out, _ = run(capsys, "-o", "json", "--customizations", configmap, MANIFESTS)
    certificate = next(row for row in json.loads(out) if row["kind"] == "Certificate")
    assert code == 0
    assert certificate["health"] == {"status": "Degraded", "message": "ACME order failed"}


def test_manifests_can_come_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO((TESTDATA / "manifests.yaml").read_text()))
    code, out, _ = run(capsys, "-o", "json", "-")
    assert code == 0
    assert len(json.loads(out)) == 5


def test_unreadable_manifest_names_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.yaml"
    code, out, err = run(capsys, str(missing))
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {missing}: cannot read:")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("kind: [unclosed\n", "invalid YAML"),
        ("- just\n- a list\n", "document 1 is not a mapping"),
        ("apiVersion: v1\nkind: Service\n---\nmetadata: {name: x}\n", "document 2 has no"),
    ],
)
def test_invalid_manifest_names_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, problem: str
) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(content)
    code, _, err = run(capsys, str(manifest))
    assert code == 1
    assert err.startswith(f"error: {manifest}: ")
    assert problem in err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read"),
        ("cert-manager.io/Certificate: [1, 2]\n", "expected a mapping with health.lua"),
        ("a: [unclosed\n", "invalid YAML"),
    ],
)
def test_bad_customizations_file_names_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, problem: str
) -> None:
    customizations = tmp_path / "customizations.yaml"
    if content is not None:
        customizations.write_text(content)
    code, _, err = run(capsys, "--customizations", str(customizations), MANIFESTS)
    assert code == 1
    assert err.startswith(f"error: {customizations}: ")
    assert problem in err


def test_unquoted_timestamps_reach_checks_as_strings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = tmp_path / "cronjobs.yaml"
    manifest.write_text(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: report, namespace: web}\n"
        "status:\n  lastScheduleTime: 2024-05-02T03:00:00Z\n"
        "  lastSuccessfulTime: 2024-05-01T03:01:10Z\n"
        "---\n"
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue}\n"
        "status: {since: 2024-05-02T03:00:00Z}\n"
    )
    customizations = tmp_path / "customizations.yaml"
    customizations.write_text(
        "example.com/Widget:\n  health.lua: |\n"
        "    return {status = 'Healthy', message = type(obj.status.since) .. ' '"
        " .. obj.status.since}\n"
    )
    code, out, _ = run(capsys, "-o", "json", "--customizations", str(customizations), str(manifest))
    healths = {row["kind"]: row["health"] for row in json.loads(out)}
    assert code == 0
    assert healths["CronJob"]["status"] == "Degraded"
    assert healths["Widget"] == {"status": "Healthy", "message": "string 2024-05-02T03:00:00Z"}


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def manifest(kind: str, name: str, status: str) -> str:
    return (
        f"apiVersion: example.com/v1\nkind: {kind}\nmetadata: {{name: {name}}}\n"
        f"status:\n  conditions:\n  - {{type: Ready, status: '{status}', reason: R}}\n"
    )


def test_results_keep_input_order_across_files_and_name_their_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    second = write(tmp_path / "b.yaml", manifest("Zebra", "z", "True"))
    first = write(
        tmp_path / "a.yaml", manifest("Yak", "y", "False") + "---\n" + manifest("Ant", "a", "True")
    )
    code, out, _ = run(capsys, "-o", "json", second, first)
    rows = json.loads(out)
    assert code == 0
    assert [(row["file"], row["kind"]) for row in rows] == [
        (second, "Zebra"),
        (first, "Yak"),
        (first, "Ant"),
    ]


def test_directories_are_read_recursively_in_name_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "apps" / "b" / "two.yml", manifest("Two", "t", "True"))
    write(tmp_path / "apps" / "a.yaml", manifest("One", "o", "True"))
    write(tmp_path / "apps" / "notes.txt", "not a manifest")
    code, out, _ = run(capsys, "-o", "json", str(tmp_path / "apps"))
    assert code == 0
    assert [row["kind"] for row in json.loads(out)] == ["One", "Two"]


@pytest.mark.parametrize(
    ("fail_on", "expected_code"),
    [
        ("Degraded,Missing", 3),
        ("degraded", 3),
        ("Missing,Unknown", 0),
        ("", 0),
    ],
)
def test_fail_on_sets_the_exit_code_after_printing_everything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fail_on: str, expected_code: int
) -> None:
    path = write(
        tmp_path / "m.yaml", manifest("Bad", "b", "False") + "---\n" + manifest("Good", "g", "True")
    )
    code, out, _ = run(capsys, "--fail-on", fail_on, path)
    assert code == expected_code
    assert "Bad" in out and "Good" in out


def test_unknown_fail_on_status_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path / "m.yaml", manifest("Good", "g", "True"))
    with pytest.raises(SystemExit) as exit_info:
        run(capsys, "--fail-on", "Broken", path)
    assert exit_info.value.code == 2
    assert "unknown health status 'Broken'" in capsys.readouterr().err
