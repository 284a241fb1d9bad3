"""Load generator for ``webhook_ack.py``: POSTs signed WAHA ``message`` bodies, prints JSON.

Runs in its own process (so it never shares an event loop with the server), keeps
``--concurrency`` keep-alive connections busy until ``--requests`` have been answered
or ``--max-seconds`` have passed, and prints one JSON object on stdout: counts,
throughput, latency percentiles and how busy its own CPU was (a load generator
near 100 % CPU means the numbers measure the client, not the server).

The default client (``raw``) speaks HTTP/1.1 keep-alive directly over asyncio
streams, with every request encoded before the clock starts: about 30 us of client
CPU per request. ``httpx`` is kept for comparison: on this 2-core machine its
AsyncClient saturates one core at about 1,000 requests/s with 1 to 8 connections
and about 370/s with 32 (its pool scales badly), below what the servers sustain.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import hashlib
import hmac
import json
import os
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

FIXTURE = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "fixtures"
    / "waha"
    / "message-text-webjs-inbound.json"
)


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]

    def wire(self, host: str) -> bytes:
        """The whole HTTP/1.1 request, as the raw client sends it."""
        lines = ["POST /webhook HTTP/1.1", f"host: {host}", f"content-length: {len(self.body)}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass
class Tally:
    """What the workers observed."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Report:
    requests: int
    ok: int
    statuses: dict[str, int]
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    client_cpu: float


def build_requests(count: int, hmac_key: str) -> list[Request]:
    """``count`` realistic WEBJS text messages, each with its own ids and sender."""
    template: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    run = uuid.uuid4().hex[:12].upper()
    return [_request(template, run, index, hmac_key) for index in range(count)]


def _request(template: dict[str, Any], run: str, index: int, hmac_key: str) -> Request:
    event = copy.deepcopy(template)
    chat = f"33{index % 10_000_000:07d}{int(run[:4], 16) % 1000:03d}@c.us"
    short = f"{run}{index:020X}"
    event["id"] = f"evt_{run.lower()}{index:014x}"
    event["timestamp"] = int(time.time() * 1000)
    payload = event["payload"]
    payload["id"] = f"false_{chat}_{short}"
    payload["from"] = chat
    payload["body"] = f"Bonjour, message {index}"
    data = payload["_data"]
    data["id"].update(remote=chat, id=short, _serialized=payload["id"])
    data.update(**{"from": chat, "body": payload["body"]})
    body = json.dumps(event, separators=(",", ":")).encode()
    return Request(body, _headers(body, hmac_key))


def _headers(body: bytes, hmac_key: str) -> dict[str, str]:
    headers = {"content-type": "application/json"}
    if hmac_key:
        digest = hmac.new(hmac_key.encode(), body, hashlib.sha512).hexdigest()
        headers["x-webhook-hmac"] = digest
        headers["x-webhook-hmac-algorithm"] = "sha512"
    return headers


class RawConnection:
    """One keep-alive HTTP/1.1 connection; one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, wire: bytes) -> str:
        """Send one encoded request; return the response's status code."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(*self._address)
        reader, writer = self._streams
        writer.write(wire)
        head = await reader.readuntil(b"\r\n\r\n")
        lowered = head.lower()
        start = lowered.index(b"content-length:") + 15
        await reader.readexactly(int(lowered[start : lowered.index(b"\r\n", start)]))
        if b"connection: close" in lowered:
            await self.close()
        return head[9:12].decode()

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _raw_worker(
    connection: RawConnection, queue: list[bytes], deadline: float, tally: Tally
) -> None:
    try:
        while queue and time.perf_counter() < deadline:
            wire = queue.pop()
            started = time.perf_counter()
            try:
                status = await connection.send(wire)
            except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                status = type(exc).__name__
                await connection.close()
            tally.latencies.append(time.perf_counter() - started)
            tally.statuses[status] += 1
    finally:
        await connection.close()


async def run_raw(
    url: str, requests: list[Request], concurrency: int, max_seconds: float
) -> tuple[Tally, float]:
    """Send ``requests`` over ``concurrency`` raw connections; return the tally and wall time."""
    target = httpx.URL(url)
    host, port = target.host, target.port or 80
    queue = [request.wire(f"{host}:{port}") for request in reversed(requests)]
    tally = Tally()
    started = time.perf_counter()
    deadline = started + max_seconds
    workers = (
        _raw_worker(RawConnection(host, port), queue, deadline, tally) for _ in range(concurrency)
    )
    await asyncio.gather(*workers)
    return tally, time.perf_counter() - started


async def _httpx_worker(
    client: httpx.AsyncClient, queue: list[Request], deadline: float, tally: Tally
) -> None:
    while queue and time.perf_counter() < deadline:
        request = queue.pop()
        started = time.perf_counter()
        try:
            response = await client.post("/webhook", content=request.body, headers=request.headers)
            status = str(response.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[status] += 1


async def run_httpx(
    url: str, requests: list[Request], concurrency: int, max_seconds: float
) -> tuple[Tally, float]:
    """Send ``requests`` through one httpx.AsyncClient; return the tally and wall time."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    queue = list(reversed(requests))
    tally = Tally()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10.0) as client:
        started = time.perf_counter()
        deadline = started + max_seconds
        workers = (_httpx_worker(client, queue, deadline, tally) for _ in range(concurrency))
        await asyncio.gather(*workers)
        elapsed = time.perf_counter() - started
    return tally, elapsed


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def summarise(tally: Tally, seconds: float, cpu_seconds: float) -> Report:
    ordered = sorted(tally.latencies)
    done = len(ordered)
    return Report(
        requests=done,
        ok=tally.statuses.get("200", 0),
        statuses=dict(tally.statuses),
        seconds=round(seconds, 3),
        rps=round(done / seconds, 1) if seconds > 0 else 0.0,
        p50_ms=round(_percentile(ordered, 0.50) * 1000, 2),
        p99_ms=round(_percentile(ordered, 0.99) * 1000, 2),
        mean_ms=round(sum(ordered) / done * 1000, 2) if done else float("nan"),
        client_cpu=round(cpu_seconds / seconds, 2) if seconds > 0 else 0.0,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--hmac-key", default="", help="sign bodies with this key (sha512)")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    requests = build_requests(args.requests, args.hmac_key)
    cpu_started = time.process_time()
    run = run_raw if args.client == "raw" else run_httpx
    tally, seconds = asyncio.run(run(args.url, requests, args.concurrency, args.max_seconds))
    report = summarise(tally, seconds, time.process_time() - cpu_started)
    print(json.dumps(asdict(report)))


if __name__ == "__main__":
    main()
