"""JSON logging on stdout, with the ids of the message being handled.

Log records never carry message bodies or phone numbers at INFO: callers log
internal ids only, and this module adds them from :mod:`concierge_common.context`,
with the trace and span ids of the current span when the process traces
(:mod:`concierge_common.tracing`), so that a log line leads to its trace.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from concierge_common import context, tracing

# Record attributes that are not extras; uvicorn adds "color_message" (ANSI codes).
_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message, ids, extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self._service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(context.current())
        entry.update(tracing.ids())
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(service: str, level: str = "INFO") -> None:
    """Send every log record of the process to stdout as JSON lines."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request at INFO ("HTTP Request: POST <url> ..."): one line per
    # WAHA call or LLM call, with chat ids in some URLs. Its failures reach us as
    # exceptions, logged by the caller without the ids.
    # The anthropic SDK sends through httpx2 (and httpcore2), which log the same way.
    for noisy in ("uvicorn.access", "nats", "httpx", "httpcore", "httpx2", "httpcore2"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
