"""Fixtures shared by every test: real servers, one namespace and one database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from support.infra import NATS_URL, POSTGRES_ADMIN_URL, REDIS_URL, unique_namespace
from support.stack import base_env

for _name in list(os.environ):
    if _name.startswith("ANTHROPIC_"):
        del os.environ[_name]


@pytest.fixture
def namespace() -> str:
    return unique_namespace()


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    name = "concierge_test_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def env(namespace: str, database_url: str) -> dict[str, str]:
    return base_env(
        nats_url=NATS_URL, namespace=namespace, database_url=database_url, redis_url=REDIS_URL
    )
