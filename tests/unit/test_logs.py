from __future__ import annotations

import json
import logging

from concierge_common import context
from concierge_common.logs import JsonFormatter


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("svc.module", logging.INFO, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_log_line_is_json_with_service_level_and_message() -> None:
    line = json.loads(JsonFormatter("router").format(_record("hello")))
    assert line["service"] == "router"
    assert line["level"] == "info"
    assert line["msg"] == "hello"
    assert line["logger"] == "svc.module"
    assert line["ts"].endswith("Z")


def test_ids_bound_in_context_are_added_and_removed_after() -> None:
    formatter = JsonFormatter("ai")
    with context.bound(conversation_id="c1", message_id="m1", correlation_id="r1"):
        inside = json.loads(formatter.format(_record("x")))
    outside = json.loads(formatter.format(_record("x")))
    assert (inside["conversation_id"], inside["message_id"], inside["correlation_id"]) == (
        "c1",
        "m1",
        "r1",
    )
    assert "conversation_id" not in outside


def test_extra_fields_are_kept() -> None:
    line = json.loads(JsonFormatter("gw").format(_record("x", attempt=2)))
    assert line["attempt"] == 2


def test_uvicorn_colour_duplicate_of_the_message_is_dropped() -> None:
    line = json.loads(JsonFormatter("gw").format(_record("x", color_message="\x1b[1mx\x1b[0m")))
    assert "color_message" not in line
