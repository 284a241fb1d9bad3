"""The ``concierge`` command: ``run`` (everything and a chat), ``chat``, ``infra up``, ``eval``,
``codes generate``, ``dead-letters``, ``import``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from concierge_devkit import codes, dead_letters, importer
from concierge_devkit.chat import ScriptTiming
from concierge_devkit.chat_only import ChatOptions, chat_only
from concierge_devkit.errors import DevkitError
from concierge_devkit.evaluation import command as evaluation
from concierge_devkit.infra_only import infra_up
from concierge_devkit.pacing import (
    CHAT_QUIET_SECONDS,
    DEMO_PACING,
)
from concierge_devkit.runner import RunOptions, run
from concierge_devkit.stack_config import resolve_ports
from concierge_devkit.webhook import DEV_STAFF_CHAT, chat_id_for

log = logging.getLogger(__name__)

DEFAULT_CHAT = "33612345678"


def _add_chat_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--script",
        action="append",
        default=[],
        metavar="TEXT",
        help="send TEXT instead of opening a prompt (repeatable): each line is sent once the "
        "replies to the previous one are over, and all of them are printed under it; "
        "exit 0 when each line got an answer",
    )
    parser.add_argument(
        "--answer-timeout",
        type=float,
        default=30.0,
        help="with --script, the most one line waits for its replies (seconds, default 30)",
    )
    parser.add_argument(
        "--chat-id", default=DEFAULT_CHAT, help="the person's phone number or WhatsApp chat id"
    )


_PACING_LINES = "\n".join(f"  {name}={value}" for name, value in DEMO_PACING.items())
RUN_DESCRIPTION = f"""\
Start NATS, PostgreSQL and Redis (the configured ones, else embedded ones in the
data folder), a WAHA stand-in and the five services, then chat as a person.

Pacing: answers come within about a second, because the services get a short
burst window and typing pause, unless the environment sets these variables:
{_PACING_LINES}
--production-pacing keeps the services' defaults (a 3 s burst window and up to
6 s of typing: about 9 s per answer).

State: each run starts afresh: new secrets and bus namespace, and the runner's own
database (embedded, or the default URL with DATABASE_URL unset) dropped and seeded
again; a database named by DATABASE_URL is never dropped. --keep-state carries on
with the previous run's state, saved in <data dir>/run-state.json.
"""


def _add_run(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="start everything and chat with the concierge",
        description=RUN_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_chat_options(parser)
    parser.add_argument(
        "--production-pacing",
        action="store_true",
        help="the services' own burst window and typing pauses (about 9 s per answer)",
    )
    state = parser.add_mutually_exclusive_group()
    state.add_argument(
        "--keep-state",
        action="store_true",
        help="reuse the previous run's secrets, bus namespace and database (its conversations, "
        "open handoffs and verified parents)",
    )
    state.add_argument(
        "--reset",
        action="store_true",
        help="empty the data folder first (refused while a server started from it still runs)",
    )
    parser.add_argument("--gateway-port", type=int, help="gateway API port (GATEWAY_PORT, 8000)")
    parser.add_argument(
        "--health-port-base",
        type=int,
        help="health ports: gateway, router, ai, handoff, store from this one (9101..9105)",
    )
    parser.add_argument(
        "--waha-port", type=int, default=0, help="WAHA stand-in port (default: a free one)"
    )
    parser.add_argument(
        "--free-ports", action="store_true", help="pick free ports for the gateway and health"
    )
    parser.add_argument(
        "--staff-chat-id",
        default=os.environ.get("STAFF_CHAT_ID", DEV_STAFF_CHAT),
        help=f"the staff chat, where handoffs are alerted (default {DEV_STAFF_CHAT})",
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=60.0, help="seconds for the services to be ready"
    )


def _add_quiet_seconds(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quiet-seconds",
        type=float,
        default=CHAT_QUIET_SECONDS,
        help="with --script, a line is over when nothing came for this long after a reply "
        f"(default {CHAT_QUIET_SECONDS:g} s: the gateway may pace its replies as in production)",
    )


def _add_chat(commands: Any) -> None:
    parser = commands.add_parser("chat", help="chat through a gateway that already runs")
    _add_chat_options(parser)
    _add_quiet_seconds(parser)
    parser.add_argument("--gateway-url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--hmac-key",
        default=os.environ.get("WAHA_WEBHOOK_HMAC_KEY", ""),
        help="the gateway's WAHA_WEBHOOK_HMAC_KEY (default: from the environment)",
    )
    parser.add_argument(
        "--waha-api-key",
        default=os.environ.get("WAHA_API_KEY", ""),
        help="the gateway's WAHA_API_KEY (default: from the environment)",
    )
    parser.add_argument("--waha-host", default="127.0.0.1", help="where the stand-in listens")
    parser.add_argument(
        "--staff-chat-id",
        default=os.environ.get("STAFF_CHAT_ID", ""),
        help="the gateway's STAFF_CHAT_ID, for /staff lines",
    )
    parser.add_argument(
        "--waha-port", type=int, default=3000, help="the stand-in's port (the gateway's WAHA_URL)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="concierge", description="Developer runner for the parish concierge."
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("CONCIERGE_DATA_DIR") or ".concierge"),
        help="folder for embedded servers' data and the logs (default: ./.concierge)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_run(commands)
    _add_chat(commands)
    infra = commands.add_parser("infra", help="infrastructure only")
    infra_commands = infra.add_subparsers(dest="infra_command", required=True)
    infra_commands.add_parser("up", help="ensure NATS, PostgreSQL, Redis; print the URLs")
    evaluation.add_parser(commands)
    codes.add_parser(commands)
    dead_letters.add_parser(commands)
    importer.add_parser(commands)
    return parser


def _run_options(args: argparse.Namespace) -> RunOptions:
    ports = resolve_ports(
        gateway=args.gateway_port,
        health_base=args.health_port_base,
        waha=args.waha_port,
        free=args.free_ports,
    )
    return RunOptions(
        data_dir=args.data_dir.resolve(),
        ports=ports,
        chat_id=chat_id_for(args.chat_id),
        staff_chat_id=args.staff_chat_id,
        scripts=tuple(args.script),
        answer_timeout=args.answer_timeout,
        ready_timeout=args.ready_timeout,
        production_pacing=args.production_pacing,
        keep_state=args.keep_state,
        reset=args.reset,
    )


def _chat_options(args: argparse.Namespace) -> ChatOptions:
    if not args.waha_api_key:
        raise DevkitError("--waha-api-key (or WAHA_API_KEY) is needed: the gateway's WAHA key")
    return ChatOptions(
        gateway_url=args.gateway_url,
        hmac_key=args.hmac_key,
        waha_api_key=args.waha_api_key,
        waha_host=args.waha_host,
        waha_port=args.waha_port,
        chat_id=chat_id_for(args.chat_id),
        staff_chat_id=args.staff_chat_id,
        scripts=tuple(args.script),
        timing=ScriptTiming(args.answer_timeout, args.quiet_seconds),
    )


def _command(args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    if args.command == "run":
        return run(_run_options(args))
    if args.command == "chat":
        return chat_only(_chat_options(args))
    if args.command == "eval":
        return evaluation.run_eval(evaluation.options_from(args))
    if args.command == "codes":
        return codes.run(args)
    if args.command == "dead-letters":
        return dead_letters.run(args)
    if args.command == "import":
        return importer.run(args)
    return infra_up(args.data_dir.resolve())


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="concierge: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("uvicorn", "uvicorn.error", "httpx", "httpcore", "asyncio", "pgserver"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``concierge`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        command = _command(args)
    except (ValueError, DevkitError) as exc:
        parser.error(str(exc))
    try:
        return asyncio.run(command)
    except DevkitError as exc:
        log.error("error: %s", exc)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        log.info("stopped")
        return 130
