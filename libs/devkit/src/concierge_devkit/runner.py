"""``concierge run``: infrastructure, WAHA stand-in, five services, then the chat.

Everything started here is registered on one exit stack, so it stops in the
reverse order on any exit (``/quit``, end of input, Ctrl-C, SIGTERM, an
error): services first, then the stand-in, then the embedded servers.

A run starts afresh unless ``keep_state`` (:mod:`concierge_devkit.run_state`,
:mod:`concierge_devkit.fresh_start`); ``reset`` empties the data folder first.
"""

from __future__ import annotations

import logging
import os
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from concierge_devkit.bus_access import BusAccess
from concierge_devkit.chat import ScriptTiming, interactive, scripted
from concierge_devkit.conversation import Conversation
from concierge_devkit.data_dir import reset_data_dir, run_lock
from concierge_devkit.fresh_start import start_afresh
from concierge_devkit.infra import InfraConfig, ensure_infrastructure
from concierge_devkit.ports import check_ports_free
from concierge_devkit.run_state import RunState
from concierge_devkit.service_env import RunEnvironment, service_environment
from concierge_devkit.services import prepare_database, start_services, stop_services, wait_ready
from concierge_devkit.settling import bus_barrier
from concierge_devkit.signals import cancel_on_sigterm
from concierge_devkit.stack_config import SERVICES, StackPorts
from concierge_devkit.waha_fake import WahaFake, serve_fake

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    data_dir: Path
    ports: StackPorts
    chat_id: str
    answer_timeout: float = 30.0  # the most a --script line waits for its replies
    staff_chat_id: str = ""
    scripts: tuple[str, ...] = ()
    ready_timeout: float = 60.0
    production_pacing: bool = False  # the services' own burst window and typing pauses
    keep_state: bool = False  # carry on with the previous run's secrets, namespace, database
    reset: bool = False  # empty the data folder before starting

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


@dataclass(frozen=True)
class StateChoice:
    """The state this run uses; ``fresh`` with what the previous run left, to clear."""

    state: RunState
    fresh: bool
    previous: RunState | None


def choose_state(data_dir: Path, previous: RunState | None, *, keep: bool) -> StateChoice:
    """``previous`` (the saved state) when ``keep`` and there is one, else a new one, saved."""
    if keep and previous is not None:
        log.info("keeping the previous run's state (secrets, bus namespace, database)")
        return StateChoice(previous, fresh=False, previous=previous)
    if keep:
        log.info("no state saved in %s yet: starting afresh", data_dir)
    state = RunState.fresh()
    state.save(data_dir)
    return StateChoice(state, fresh=True, previous=previous)


def _check_ports(ports: StackPorts) -> None:
    named = ports.bound_by_services()
    if ports.waha:
        named["WAHA stand-in"] = ports.waha
    check_ports_free(named)


async def _start_stack(
    options: RunOptions, choice: StateChoice, fake: WahaFake, stack: AsyncExitStack
) -> dict[str, str]:
    """Everything up to ready services (their environment); each stop is registered on ``stack``."""
    _check_ports(options.ports)
    state = choice.state
    access = BusAccess.for_run(state.secrets.bus_password_seed, state.bus_namespace, os.environ)
    infra = await ensure_infrastructure(InfraConfig.from_env(options.data_dir), stack, access)
    if choice.fresh:
        await start_afresh(infra, choice.previous)
    waha = await serve_fake(fake, port=options.ports.waha)
    stack.push_async_callback(waha.stop)
    waha_url = f"http://127.0.0.1:{waha.port}"
    run = RunEnvironment(
        infra,
        choice.state.secrets,
        options.ports,
        waha_url,
        options.staff_chat_id,
        bus_namespace=choice.state.bus_namespace,
        media_dir=options.data_dir / "media",
        demo_pacing=not options.production_pacing,
    )
    env = service_environment(run)
    await prepare_database(env, options.log_dir)
    own = {name: infra.nats_env(name) for name in SERVICES}
    processes = await start_services(env, options.log_dir, own)
    stack.push_async_callback(stop_services, processes)
    log.info("services starting; their logs go to %s/<service>.log", options.log_dir)
    await wait_ready(processes, options.ports.health, options.ready_timeout)
    log.info(
        "ready: gateway on http://127.0.0.1:%d/webhook, WAHA stand-in on %s",
        options.ports.gateway,
        waha_url,
    )
    return env


def _settling(options: RunOptions, services_env: dict[str, str]) -> ScriptTiming:
    """Scripted lines end when this run's services have handled everything (on their bus)."""
    barrier = bus_barrier(
        services_env["NATS_URL"],
        services_env["BUS_NAMESPACE"],
        timeout=options.answer_timeout,
    )
    # The quiet period is never used: the barrier ends every line.
    return ScriptTiming(options.answer_timeout, quiet_seconds=0.0, settled=barrier)


async def run(options: RunOptions) -> int:
    """Start everything, chat, stop everything; the exit code of the chat."""
    cancel_on_sigterm()
    with run_lock(options.data_dir):
        previous = RunState.load(options.data_dir)  # before a reset: its streams go too
        if options.reset:
            reset_data_dir(options.data_dir)
        choice = choose_state(options.data_dir, previous, keep=options.keep_state)
        return await _run_with(options, choice)


async def _run_with(options: RunOptions, choice: StateChoice) -> int:
    secrets = choice.state.secrets
    fake = WahaFake(api_key=secrets.waha_api_key)
    async with AsyncExitStack() as stack:
        services_env = await _start_stack(options, choice, fake, stack)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
        conversation = Conversation(
            http,
            webhook_url=f"http://127.0.0.1:{options.ports.gateway}/webhook",
            hmac_key=secrets.webhook_hmac_key,
            chat_id=options.chat_id,
            staff_chat_id=options.staff_chat_id,
            offer_file=fake.add_file,
        )
        fake.on_send = conversation.on_send
        if options.scripts:
            return await scripted(conversation, options.scripts, _settling(options, services_env))
        return await interactive(conversation)
