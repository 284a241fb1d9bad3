from __future__ import annotations

import json
import logging

import httpx
import httpx2
import pytest

from concierge_common import context
from concierge_common.logs import JsonFormatter, configure


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


def test_http_clients_request_lines_stay_out_of_info_logs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # httpx and httpx2 (the anthropic SDK's client) log each request at INFO with its
    # URL, and WAHA's URLs can hold chat ids.
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure("ai")
        for module in (httpx, httpx2):
            answer = module.Response(200)
            transport = module.MockTransport(lambda request, answer=answer: answer)
            with module.Client(transport=transport) as client:
                client.get("http://waha.test/api/default/chats/33611@c.us/messages")
        logging.getLogger("concierge.check").info("after the requests")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["msg"] for line in lines] == ["after the requests"]
