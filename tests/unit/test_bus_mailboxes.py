"""Conversation mailboxes: in order within a conversation, concurrent across conversations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from concierge_common.bus.mailboxes import Mailboxes


class Recorder:
    def __init__(self) -> None:
        self.done: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.running: set[str] = set()
        self.overlap: set[str] = set()

    async def __call__(self, item: str) -> None:
        key = item.split("-")[0]
        assert key not in self.running, "two items of one conversation ran at once"
        self.running.add(key)
        if self.running - {key}:
            self.overlap |= self.running
        gate = self.gates.get(item)
        if gate is not None:
            await gate.wait()
        for _ in range(len(item) % 3):
            await asyncio.sleep(0)
        self.running.discard(key)
        self.done.append(item)


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0)


async def test_one_conversations_items_run_one_at_a_time_in_the_order_posted() -> None:
    work = Recorder()
    boxes: Mailboxes[str] = Mailboxes(work, name="t")
    items = [f"a-{n}" for n in range(10)]
    for item in items:
        boxes.post("a", item)
    await _until(lambda: len(boxes) == 0)
    assert work.done == items


async def test_a_blocked_conversation_holds_up_only_itself() -> None:
    work = Recorder()
    work.gates["slow-1"] = asyncio.Event()
    boxes: Mailboxes[str] = Mailboxes(work, name="t")
    boxes.post("slow", "slow-1")
    boxes.post("slow", "slow-2")
    for n in range(5):
        boxes.post(f"k{n}", f"k{n}-1")
    await _until(lambda: len(work.done) == 5)
    assert sorted(work.done) == [f"k{n}-1" for n in range(5)]
    assert "slow" in work.overlap
    work.gates["slow-1"].set()
    await _until(lambda: len(boxes) == 0)
    assert work.done[-2:] == ["slow-1", "slow-2"]


async def test_an_item_posted_while_the_actor_works_is_handled_by_the_same_actor() -> None:
    work = Recorder()
    work.gates["a-1"] = asyncio.Event()
    boxes: Mailboxes[str] = Mailboxes(work, name="t")
    boxes.post("a", "a-1")
    await _until(lambda: "a" in work.running)
    boxes.post("a", "a-2")
    assert len(boxes) == 1
    work.gates["a-1"].set()
    await _until(lambda: len(boxes) == 0)
    assert work.done == ["a-1", "a-2"]


async def test_a_failing_item_does_not_stop_its_conversation() -> None:
    done: list[str] = []

    async def work(item: str) -> None:
        if item == "a-1":
            raise RuntimeError("bug")
        done.append(item)

    boxes: Mailboxes[str] = Mailboxes(work, name="t")
    boxes.post("a", "a-1")
    boxes.post("a", "a-2")
    await _until(lambda: len(boxes) == 0)
    assert done == ["a-2"]


async def test_cancel_stops_every_actor_at_once() -> None:
    work = Recorder()
    work.gates["a-1"] = asyncio.Event()
    boxes: Mailboxes[str] = Mailboxes(work, name="t")
    boxes.post("a", "a-1")
    boxes.post("a", "a-2")
    await _until(lambda: "a" in work.running)
    await boxes.cancel()
    assert len(boxes) == 0
    assert work.done == []
