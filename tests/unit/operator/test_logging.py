"""Log lines: text audit lines carry their fields; kopf's routine retries are quiet."""

from __future__ import annotations

import logging

from gitopsd.operator.main import QuietRetries, TextFormatter


def record(name: str, level: int, message: str, **fields: str) -> logging.LogRecord:
    item = logging.LogRecord(name, level, __file__, 1, message, None, None)
    for key, value in fields.items():
        setattr(item, key, value)
    return item


def test_a_text_audit_line_ends_with_its_fields() -> None:
    line = TextFormatter().format(
        record(
            "gitopsd.audit",
            logging.INFO,
            "sync Succeeded: successfully synced",
            application="gitopsd/web",
            revision="1a2b3c4",
            author="Ada Lovelace",
            action="OperationCompleted",
            initiator="alice",
        )
    )
    assert line.endswith(
        "gitopsd.audit: sync Succeeded: successfully synced application=gitopsd/web "
        'revision=1a2b3c4 author="Ada Lovelace" action=OperationCompleted initiator=alice'
    )


def test_a_plain_line_is_unchanged_and_empty_fields_are_left_out() -> None:
    line = TextFormatter().format(
        record("gitopsd.audit", logging.INFO, "out of sync", application="gitopsd/web", author="")
    )
    assert line.endswith("gitopsd.audit: out of sync application=gitopsd/web")
    assert TextFormatter().format(record("x", logging.INFO, "hello")).endswith("x: hello")


def test_kopf_retries_the_server_asked_for_are_debug_and_other_errors_stay() -> None:
    quiet = QuietRetries()
    throttled = record(
        "kopf.objects",
        logging.ERROR,
        "Request attempt #1/9 failed; will retry: GET /apis -> "
        "APITooManyRequestsError(429, 'storage is (re)initializing')",
    )
    assert quiet.filter(throttled) is False  # dropped at INFO
    assert throttled.levelno == logging.DEBUG
    final = record("kopf.objects", logging.ERROR, "Request attempt #9/9 failed; escalating: 429")
    assert quiet.filter(final) is True and final.levelno == logging.ERROR
    ours = record("gitopsd.x", logging.ERROR, "will retry: 429")
    assert quiet.filter(ours) is True


def test_log_lines_carry_utc_times_with_the_zone() -> None:
    import json

    from gitopsd.operator.main import JsonFormatter
    from gitopsd.server.logs import JsonFormatter as ServerJsonFormatter
    from gitopsd.server.logs import TextFormatter as ServerTextFormatter

    line = record("gitopsd.x", logging.INFO, "hello")
    line.created = 1767268805.25  # 2026-01-01T12:00:05.250Z
    for formatter in (TextFormatter(), ServerTextFormatter()):
        assert formatter.format(line).startswith("2026-01-01T12:00:05.250Z INFO gitopsd.x: hello")
    for json_formatter in (JsonFormatter(), ServerJsonFormatter()):
        assert json.loads(json_formatter.format(line))["time"] == "2026-01-01T12:00:05.250Z"
