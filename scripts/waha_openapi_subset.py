#!/usr/bin/env python3
"""Write the part of WAHA's published OpenAPI the concierge's WAHA fake validates against.

Usage: scripts/waha_openapi_subset.py path/to/waha-openapi.json

WAHA publishes its OpenAPI at https://waha.devlike.pro/swagger/openapi.json (and
a running WAHA at GET /-json). The fake (concierge_devkit.waha_fake) keeps only
the operations the concierge calls, with every schema they reference, in
libs/devkit/src/concierge_devkit/waha_fake/waha-openapi-subset.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OPERATIONS = (
    ("post", "/api/sendText"),
    ("post", "/api/sendFile"),
    ("post", "/api/sendSeen"),
    ("post", "/api/startTyping"),
    ("post", "/api/stopTyping"),
    ("get", "/api/{session}/new-message-id"),
    ("get", "/api/{session}/chats/overview"),
    ("get", "/api/{session}/chats/{chatId}/messages"),
    ("get", "/api/{session}/chats/{chatId}/messages/{messageId}"),
    ("get", "/api/{session}/lids/{lid}"),
    ("get", "/api/{session}/lids/pn/{phoneNumber}"),
)
OUT = Path(__file__).resolve().parent.parent / (
    "libs/devkit/src/concierge_devkit/waha_fake/waha-openapi-subset.json"
)


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def main(source: str) -> None:
    spec = json.loads(Path(source).read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    paths: dict[str, dict[str, Any]] = {}
    for method, path in OPERATIONS:
        operation = spec["paths"][path][method]
        kept = {key: operation[key] for key in ("parameters", "requestBody") if key in operation}
        paths.setdefault(path, {})[method] = kept
    wanted: set[str] = set()
    todo = _refs(paths)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo |= _refs(schemas[name])
    subset = {
        "info": {"source": "WAHA published OpenAPI", "version": spec["info"]["version"]},
        "paths": paths,
        "components": {"schemas": {name: schemas[name] for name in sorted(wanted)}},
    }
    OUT.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(paths)} paths, {len(wanted)} schemas)")


if __name__ == "__main__":
    main(sys.argv[1])
