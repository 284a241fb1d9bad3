"""Requests checked against WAHA's published OpenAPI, as a strict WAHA would.

The schemas are a pinned subset of WAHA's OpenAPI (``waha-openapi-subset.json``,
written by ``scripts/waha_openapi_subset.py``). A body is validated with
JSON Schema draft 2020-12 against the operation's request schema; on top of
that, a field the schema does not declare is an error: real WAHA silently
strips unknown fields (``whitelist: true``), which would hide a client bug.
Query parameters must be declared by the operation, required ones present,
numbers numeric and booleans ``true``/``false``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

_SUBSET = "waha-openapi-subset.json"


@cache
def spec() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(_SUBSET).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _registry() -> Registry[Any]:
    # Operations' "$ref": "#/components/schemas/X" resolve inside the pinned document.
    registry: Registry[Any] = Registry().with_resource("urn:waha", Resource.opaque(spec()))
    return registry


def body_errors(method: str, path: str, body: Any) -> list[str]:
    """What is wrong with ``body`` for the operation (``[]`` when it is valid)."""
    operation = spec()["paths"][path][method]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return ["this operation takes no JSON body"]
    schema = {"$ref": "urn:waha" + content["schema"]["$ref"]}
    validator = Draft202012Validator(schema, registry=_registry())
    errors = [_describe(error) for error in validator.iter_errors(body)]
    return errors + _undeclared(content["schema"]["$ref"], body)


def query_errors(method: str, path: str, query: dict[str, str]) -> list[str]:
    """What is wrong with the query string for the operation (``[]`` when it is valid)."""
    declared = {
        item["name"]: item
        for item in spec()["paths"][path][method].get("parameters", [])
        if item.get("in") == "query"
    }
    errors = [f"unknown query parameter {name!r}" for name in query if name not in declared]
    for name, item in declared.items():
        if name not in query:
            if item.get("required"):
                errors.append(f"query parameter {name!r} is required")
            continue
        errors.extend(_query_value_errors(name, query[name], item.get("schema", {})))
    return errors


def _query_value_errors(name: str, value: str, schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return [f"query parameter {name!r} must be a number"]
    if kind == "boolean" and value not in ("true", "false"):
        return [f"query parameter {name!r} must be true or false"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"query parameter {name!r} must be one of {schema['enum']}"]
    return []


def _undeclared(ref: str, body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    properties = spec()["components"]["schemas"][ref.rsplit("/", 1)[-1]].get("properties", {})
    return [f"field {key!r} is not in WAHA's schema" for key in body if key not in properties]


def _describe(error: Any) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "body"
    return f"{where}: {error.message}"
