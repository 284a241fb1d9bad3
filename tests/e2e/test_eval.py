"""The evaluation set through the whole concierge with the offline answerer (issue 5's gate).

The whole parish set runs through the in-process stack with the code of
``concierge eval`` (the set checked against the parish, the parish seeded with
its dates moved to today, each case its own person through signed webhooks,
every case at once, each turn ended by the bus barrier of ``support.settling``,
the WAHA fake's sends judged) and must reach the issue's thresholds: 80 % right
facts, every human request handed off, no answer from invalid information, no
cross-family or system-prompt leak. The report is printed either way.

``concierge eval`` itself runs once as a developer runs it (a subprocess that
starts the five services on the machine's servers) on a two-case set, one of
which cannot pass: its report, its exit code, and what it leaves behind.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from concierge_devkit.evaluation.driver import Target, Timing
from concierge_devkit.evaluation.parish import seed_parish
from concierge_devkit.evaluation.report import Thresholds
from concierge_devkit.evaluation.session import evaluate, prepare
from support.infra import NATS_URL, POSTGRES_ADMIN_URL, REDIS_URL, postgres_url, unique_namespace
from support.polling import HANG_GUARD, eventually
from support.settling import settled
from support.stack import HMAC_KEY, running_stack

PARISH_SET = Path(__file__).resolve().parents[1] / "eval" / "parish.yaml"
STAFF_CHAT = "120363000000000077@g.us"


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_the_parish_set_reaches_the_thresholds_with_the_offline_answerer(
    env: dict[str, str],
) -> None:
    prepared = prepare(PARISH_SET)
    # The product's burst window: a burst case's messages, posted back to back, are sent
    # well within it (WhatsApp's times are the posting times); however late the router
    # gets to them under the cases' backlog, it compares those times, not its own.
    # Answer quality, not throughput: the 218 cases are played at once, and with every
    # conversation in flight the store of a loaded 2-core machine answers some requests
    # after their timeout; a request that timed out but was carried out can leave a
    # conversation silent (known, to be made idempotent). A few handlers per flow at a
    # time keep this a test of the answers.
    flow_env = {
        **env,
        "STAFF_CHAT_ID": STAFF_CHAT,
        "ROUTER_BURST_WINDOW_SECONDS": "3",
        "BUS_CONCURRENCY": "8",
    }
    async with running_stack(flow_env, seeded=False) as stack:
        await seed_parish(env["DATABASE_URL"], env["INTRINSIC_ID_KEY"], prepared.seed)
        target = Target(f"http://127.0.0.1:{stack.gateway.api_port}/webhook", HMAC_KEY, STAFF_CHAT)
        # Each turn ends when the pipeline has handled everything, not after some quiet.
        timing = Timing(settled=functools.partial(settled, stack))
        outcome = await evaluate(prepared, target, stack.waha, timing, Thresholds())
    print(outcome.text)  # shown on failure, with the failing cases
    assert not outcome.missed, "; ".join(outcome.missed)


async def _eval_databases() -> set[str]:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        rows = await admin.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE 'concierge_eval_%'"
        )
    finally:
        await admin.close()
    return {str(row["datname"]) for row in rows}


def _small_set(path: Path) -> None:
    """Two cases: a human request, and an 'answer' no answerer can give (a weather question)."""
    full: dict[str, Any] = yaml.safe_load(PARISH_SET.read_text(encoding="utf-8"))
    human = next(case for case in full["cases"] if case["id"] == "human-01")
    impossible = {
        "id": "weather-as-mass",
        "tags": ["impossible"],
        "send": "Quel temps fera-t-il demain à Lyon ?",
        "expect": "answer",
        "fact": "Messes du dimanche",
        "snippets": ["9h30"],
    }
    path.write_text(yaml.safe_dump({**full, "cases": [human, impossible]}), encoding="utf-8")


async def _concierge_eval(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "NATS_URL": NATS_URL,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": postgres_url("concierge"),
        "BUS_NAMESPACE": unique_namespace(),  # the command uses a namespace of its own
        "BUS_PARTITIONS": "4",
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "concierge_devkit", "--data-dir", str(tmp_path / "data")),
        *("eval", "--offline", "--concurrency", "2", *args),
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 3 * HANG_GUARD)
    except TimeoutError:
        process.terminate()  # it then stops what it started
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.slow
@pytest.mark.timeout(4 * HANG_GUARD)
async def test_concierge_eval_reports_and_fails_below_a_threshold(tmp_path: Path) -> None:
    cases, report = tmp_path / "small.yaml", tmp_path / "out" / "report.json"
    _small_set(cases)
    code, out, err = await _concierge_eval(tmp_path, "--cases", str(cases), "--report", str(report))
    assert code == 1, out + err
    assert "- weather-as-mass [impossible] expect answer 'Messes du dimanche'" in out
    assert "sent 1: Quel temps fera-t-il demain à Lyon ?" in out
    assert out.rstrip().endswith("FAILED: right facts 0.0 % < 80 %")
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["missed"] == ["right facts 0.0 % < 80 %"]
    assert written["metrics"]["handoffs"] == {"passed": 1, "total": 1, "ratio": 1.0}
    assert [case["passed"] for case in written["cases"]] == [True, False]
    assert "evaluation database dropped" in err
    assert "evaluation bus namespace removed" in err

    # No database of this run is left: the ones its log says it created. Another copy of
    # the suite, or someone's own evaluation, may be evaluating at the same time: their
    # databases come and go on their own schedule.
    created = set(re.findall(r"created database (concierge_eval_\w+)", err))
    assert created, err

    async def none_left() -> bool:
        return not created & await _eval_databases()

    await eventually(none_left)
