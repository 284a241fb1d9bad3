"""``concierge import MAPPING... [--dry-run]``: sync facts or families from their sources now.

Each mapping file (TOML, docs/importing.md) names a source (a CSV or XLSX file, a
Google Sheet's CSV export, a Baserow table) and which of its columns is which
field. The sync is the one the store service runs on a schedule
(:mod:`store.importing`), run here on the database of ``DATABASE_URL`` (or
``--database-url``): it prints what was added, changed, retired and skipped;
``--dry-run`` prints the same and writes nothing. Progress goes to stderr.
Exit 0 when every source synced, 1 when one failed (the others still run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from concierge_common.errors import ConciergeError
from store import migrations
from store.db import create_pool
from store.importing.mapping import load_mapping
from store.importing.sync import run_sync

BAR_WIDTH = 30


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "import",
        help="sync facts or families from their sources (CSV, XLSX, Google Sheets, Baserow)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("mappings", nargs="+", type=Path, metavar="MAPPING", help="TOML files")
    parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="the store's database (default: DATABASE_URL)",
    )


class ProgressBar:
    """``[#####.....] 12/40 reading`` on one line of stderr, redrawn in place."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr

    def __call__(self, stage: str, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self._stream.write(f"\r[{bar}] {done}/{total} {stage}   ")
        self._stream.flush()

    def end(self) -> None:
        self._stream.write("\n")
        self._stream.flush()


async def run(args: argparse.Namespace) -> int:
    if not args.database_url:
        print("concierge import: set DATABASE_URL or --database-url", file=sys.stderr)
        return 2
    try:
        mappings = [load_mapping(path) for path in args.mappings]
    except ConciergeError as exc:
        print(f"concierge import: {exc}", file=sys.stderr)
        return 2
    await migrations.migrate(args.database_url, migrations.default_dir())
    pool = await create_pool(args.database_url, max_size=2)
    failed = 0
    try:
        for mapping in mappings:
            bar = ProgressBar()
            try:
                report = await run_sync(
                    pool, mapping, sleep=asyncio.sleep, dry_run=args.dry_run, progress=bar
                )
            except ConciergeError as exc:
                bar.end()
                print(f"{mapping.name}: failed: {exc}", file=sys.stderr)
                failed += 1
                continue
            bar.end()
            print(report.summary())
            for line in report.details():
                print(line)
    finally:
        await pool.close()
    return 1 if failed else 0
