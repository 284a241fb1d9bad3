"""``python -m concierge_common.bus.dead_letter_cli``: the dead letters, from a shell.

Every service image holds ``libs/common``, so this runs in any container of
the concierge (``docker compose exec store python -m
concierge_common.bus.dead_letter_cli list``) as well as from the developer kit
(``concierge dead-letters ...``). It reads the bus settings every service reads
(``NATS_URL``, ``BUS_NAMESPACE``, ``BUS_PARTITIONS``) and connects as
``NATS_USER`` / ``NATS_PASSWORD``: the ``admin`` user, since reading the
dead-letter stream and publishing to any flow is no service's right.

* ``list [--service S] [--flow F] [--limit N]``: sequence, time, service, flow,
  attempts, error and original subject; no body;
* ``show SEQ``: one letter with its headers and body (the body is a person's
  message: shown only when asked for by its sequence);
* ``replay [--older] SEQ...``: republish each to its original subject, then
  remove it (a letter older than seven days only with ``--older``);
* ``discard --yes SEQ...``: delete each (without ``--yes``, nothing is deleted).

Exit status: 0, 1 when a named letter was not found or not replayed, 2 on a
usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from concierge_common import settings as settings_module
from concierge_common.bus.connection import connect
from concierge_common.bus.dead_letter_admin import DeadLetter, DeadLetterAdmin
from concierge_common.bus.topology import FLOWS, Topology
from concierge_common.errors import ConciergeError, ConfigError, InvalidRequest, NotFound
from concierge_common.settings import BusSettings

_ERROR_WIDTH = 60
PROG = "python -m concierge_common.bus.dead_letter_cli"


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="The bus's dead letters.")
    add_actions(parser)
    return parser


def add_actions(parser: argparse.ArgumentParser) -> None:
    """The actions and their arguments, on ``parser`` (this module's, or the kit's)."""
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the dead letters, oldest first (no bodies)")
    listing.add_argument("--service", help="only this service's (store, router, ...)")
    listing.add_argument("--flow", choices=FLOWS, help="only this flow's")
    listing.add_argument("--limit", type=int, default=None, help="at most this many")
    show = actions.add_parser("show", help="one dead letter, headers and body")
    show.add_argument("sequence", type=int)
    replay = actions.add_parser("replay", help="republish to the original subject, then remove")
    replay.add_argument("sequences", type=int, nargs="+", metavar="sequence")
    replay.add_argument(
        "--older",
        action="store_true",
        help="replay letters older than 7 days too (a consumer may have forgotten them)",
    )
    discard = actions.add_parser("discard", help="delete dead letters for good")
    discard.add_argument("sequences", type=int, nargs="+", metavar="sequence")
    discard.add_argument("--yes", action="store_true", help="really delete them")


async def run(args: argparse.Namespace, config: BusSettings, out: TextIO | None = None) -> int:
    """Carry out the parsed command against the bus ``config`` names; the exit status.

    ``out``: where the answer is written (standard output by default).
    """
    out = out or sys.stdout
    if args.action == "discard" and not args.yes:
        out.write("discard deletes dead letters for good: add --yes to do it\n")
        return 2
    nc = await connect(
        config.nats_url,
        "dead-letters",
        attempts=3,
        user=config.nats_user,
        password=config.nats_password,
    )
    try:
        admin = DeadLetterAdmin(nc, Topology.from_settings(config))
        return await _act(admin, args, out)
    finally:
        await nc.close()


async def _act(admin: DeadLetterAdmin, args: argparse.Namespace, out: TextIO) -> int:
    if args.action == "list":
        letters = await admin.list(service=args.service, flow=args.flow, limit=args.limit)
        out.write(format_list(letters))
        return 0
    if args.action == "show":
        try:
            out.write(format_letter(await admin.get(args.sequence)))
        except NotFound as exc:
            out.write(f"{exc}\n")
            return 1
        return 0
    status = 0
    for sequence in args.sequences:
        if args.action == "replay":
            try:
                done = await admin.replay(sequence, older=args.older)
            except InvalidRequest as exc:  # NotFound included
                out.write(f"{sequence}: {exc}\n")
                status = 1
                continue
            note = " (already replayed: JetStream kept the first copy)" if done.duplicate else ""
            out.write(f"{sequence}: replayed to {done.subject}{note}\n")
        elif await admin.discard(sequence):
            out.write(f"{sequence}: discarded\n")
        else:
            out.write(f"{sequence}: no dead letter {sequence}\n")
            status = 1
    return status


def format_list(letters: Sequence[DeadLetter]) -> str:
    """One line per letter: what an operator decides on, never a body."""
    header = ("SEQ", "TIME (UTC)", "SERVICE", "FLOW", "ATTEMPTS", "ERROR", "SUBJECT")
    rows = [header] + [
        (
            str(letter.sequence),
            letter.time.strftime("%Y-%m-%d %H:%M:%S") if letter.time else "",
            letter.service,
            letter.flow,
            str(letter.attempts),
            _short(f"{letter.error_type}: {letter.error}"),
            letter.subject,
        )
        for letter in letters
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    ]
    lines.append(f"{len(letters)} dead letter(s)")
    return "\n".join(lines) + "\n"


def format_letter(letter: DeadLetter) -> str:
    """Every header, then the body (pretty JSON when it is JSON)."""
    lines = [f"dead letter {letter.sequence} ({letter.service}, {letter.flow})"]
    lines += [f"  {name}: {value}" for name, value in sorted(letter.headers.items())]
    try:
        body = json.dumps(json.loads(letter.data), indent=2, ensure_ascii=False)
    except ValueError:
        body = letter.data.decode(errors="replace")
    lines += ["body:", body]
    return "\n".join(lines) + "\n"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_WIDTH else text[: _ERROR_WIDTH - 1] + "…"


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Parse, read the bus settings from the environment, run; the exit status."""
    parser = build_parser(prog or PROG)
    args = parser.parse_args(argv)
    try:
        config = settings_module.load(BusSettings)
    except ConfigError as exc:
        sys.stderr.write(f"dead letters: configuration error: {exc}\n")
        return 2
    try:
        return asyncio.run(run(args, config))
    except ConciergeError as exc:
        sys.stderr.write(f"dead letters: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
