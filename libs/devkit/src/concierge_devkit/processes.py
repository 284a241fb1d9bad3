"""Child processes of the runner: output to a log file, stopped with SIGTERM then SIGKILL.

Children run in their own session so that Ctrl-C in the terminal reaches the
runner only, which then stops them in order (services before NATS). On Linux
they also get SIGTERM if the runner dies without cleaning up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux for SIGTERM when the runner exits."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class ManagedProcess:
    """One child process and the file its output goes to."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def log_tail(self, lines: int = 15) -> str:
        """The last lines the process wrote, to explain why it stopped."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self, grace: float = 30.0) -> None:
        """SIGTERM, wait up to ``grace`` seconds, then SIGKILL."""
        if not self.running:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            log.warning("%s did not stop within %.0f s, killing it", self.name, grace)
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


async def spawn(
    name: str, argv: Sequence[str], *, env: Mapping[str, str], log_path: Path
) -> ManagedProcess:
    """Start ``argv`` with stdout and stderr appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    log.debug("started %s (pid %s)", name, process.pid)
    return ManagedProcess(name, process, log_path)
