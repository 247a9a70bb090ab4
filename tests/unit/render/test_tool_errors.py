"""A failed kustomize or helm run is reported without secret values or private paths.

Canaries (unique random strings) are planted where secrets live — a secretGenerator
literal, an env-file line, a Helm value failing the chart's schema — the real tool is made
to fail on them, and the ToolError must name the problem but never the canary nor the
temporary or checkout directories."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from gitopsd.errors import ToolError
from gitopsd.render import RenderContext, render_source
from gitopsd.render.tool_errors import describe_failure, hide_paths, redact_values
from gitopsd.spec import HelmOptions, KustomizeOptions, Source

REPO = Path(__file__).parent / "testdata" / "repo"
CONTEXT = RenderContext(app_name="app", namespace="app")


def canary() -> str:
    return f"canary{uuid.uuid4().hex}"


def _fail(root: Path, source: Source) -> str:
    with pytest.raises(ToolError) as raised:
        render_source(source, root, CONTEXT)
    return str(raised.value)


def _assert_private(message: str, root: Path, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in message
    assert str(root) not in message
    assert "/tmp/" not in message and "gitopsd-" not in message


def test_a_secret_generator_literal_is_not_repeated(tmp_path: Path) -> None:
    secret = canary()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "kustomization.yaml").write_text(
        f"secretGenerator:\n- name: db\n  literals:\n  - {secret}\n"  # no '=': kustomize fails
    )
    message = _fail(tmp_path, Source(repo_url="file:///r", path="app"))
    assert "invalid literal source" in message
    _assert_private(message, tmp_path, secret)


def test_env_file_lines_are_not_repeated_even_as_bytes(tmp_path: Path) -> None:
    secret = canary()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "kustomization.yaml").write_text(
        "secretGenerator:\n- name: db\n  envs: [db.env]\n"
    )
    # kustomize prints an undecodable line both as decimal bytes and as text.
    (tmp_path / "app" / "db.env").write_bytes(b"user=app\n\xff\xfe password=" + secret.encode())
    message = _fail(tmp_path, Source(repo_url="file:///r", path="app"))
    assert "env source files" in message
    _assert_private(message, tmp_path, secret)
    assert str(list(secret.encode())[:6]).strip("[]").replace(",", "") not in message


def test_a_kustomize_failure_in_an_overridden_copy_names_repository_paths(tmp_path: Path) -> None:
    secret = canary()
    (tmp_path / "apps" / "web").mkdir(parents=True)
    (tmp_path / "apps" / "web" / "kustomization.yaml").write_text(
        f"secretGenerator:\n- name: db\n  literals:\n  - k={secret}\n  - k={secret}x\n"
    )
    options = KustomizeOptions(name_prefix="dev-")  # renders from a temporary mirror
    message = _fail(tmp_path, Source(repo_url="file:///r", path="apps/web", kustomize=options))
    assert "repeats the key" in message
    _assert_private(message, tmp_path, secret)


def _schema_chart(root: Path) -> Path:
    chart = root / "chart"
    shutil.copytree(REPO / "charts" / "webapp", chart)
    schema = {
        "type": "object",
        "properties": {"password": {"type": "string", "pattern": "^[a-z]+$"}},
    }
    (chart / "values.schema.json").write_text(json.dumps(schema))
    return chart


@pytest.mark.parametrize("where", ["parameter", "values", "values-object", "value-file"])
def test_a_helm_value_failing_the_schema_is_not_repeated(tmp_path: Path, where: str) -> None:
    _schema_chart(tmp_path)
    secret = canary()
    options = {
        "parameter": HelmOptions(parameters=(("password", secret, True),)),
        "values": HelmOptions(values=f"password: {secret}\n"),
        "values-object": HelmOptions(values_object={"password": secret}),
        "value-file": HelmOptions(value_files=("secret-values.yaml",)),
    }[where]
    (tmp_path / "chart" / "secret-values.yaml").write_text(f"password: '{secret}'\n")
    message = _fail(tmp_path, Source(repo_url="file:///r", path="chart", helm=options))
    assert "does not match pattern" in message
    assert "/password" in message  # the location stays: it is what to fix
    _assert_private(message, tmp_path, secret)


def test_a_template_failure_message_keeps_its_location(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(REPO / "charts" / "webapp", chart)
    (chart / "templates" / "fail.yaml").write_text('{{ fail "the image is required" }}\n')
    message = _fail(tmp_path, Source(repo_url="file:///r", path="chart"))
    assert "webapp/templates/fail.yaml" in message and "the image is required" in message


# --- the redaction rules, one by one -------------------------------------------------


def test_only_error_lines_are_kept() -> None:
    stderr = "walk.go:74: found symbolic link\nError: first problem\n- at '/a': 'v' bad\nusage: …\n"
    assert describe_failure(stderr) == "first problem; - at '/a': '***' bad"


def test_the_last_line_is_used_when_there_is_no_error_line() -> None:
    assert describe_failure("noise\nsomething broke\n") == "something broke"
    assert describe_failure("") == "no error output"


def test_private_prefixes_become_repository_paths() -> None:
    paths = {
        "/cache/checkouts/abc": "",
        "/tmp/gitopsd-helm-1/repo": "",
        "/cache/checkouts/ref": "$values",
    }
    text = (
        "open /cache/checkouts/abc/apps/web/x.yaml and /cache/checkouts/ref/v.yaml, "
        "/tmp/gitopsd-helm-1/repo"
    )
    assert hide_paths(text, paths) == "open apps/web/x.yaml and $values/v.yaml, ."


def test_other_absolute_paths_keep_only_their_last_component() -> None:
    assert hide_paths("lstat /var/lib/gitopsd/cache/x.yaml: no such file", {}) == (
        "lstat x.yaml: no such file"
    )
    assert hide_paths("see https://example.com/a/b and file:///etc/x", {}) == (
        "see https://example.com/a/b and file:///etc/x"
    )


def test_value_positions_are_redacted_whatever_they_hold() -> None:
    assert redact_values("bad line password=hunter2 here") == "bad line password=*** here"
    assert redact_values("invalid source =hunter2x") == "invalid source =***"
    assert redact_values("at '/a': 'hunter2' does not match") == "at '/a': '***' does not match"
    assert redact_values("line [104 117 110 116] has invalid utf8") == "line […] has invalid utf8"
    kustomize = "accumulation err='accumulating resources from 'a.yaml': missing'"
    assert redact_values(kustomize) == kustomize


def test_known_secret_values_are_replaced_line_by_line() -> None:
    assert redact_values("x sekrit-one y", ["sekrit-one"]) == "x *** y"
    assert redact_values("x second-line y", ["first\nsecond-line"]) == "x *** y"
    assert redact_values("x abc y", ["abc"]) == "x abc y"  # too short to replace safely
