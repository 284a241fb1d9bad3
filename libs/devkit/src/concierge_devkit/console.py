"""Terminal input without blocking the event loop: a daemon thread reads lines.

A daemon thread (not the loop's executor) so that a pending read never keeps
the runner from exiting. The thread prompts only when the chat asks for the
next line, so nothing is prompted for after ``/quit``. On a terminal it uses
``input()`` (line editing); otherwise it reads the file descriptor directly,
because a daemon thread blocked inside ``sys.stdin``'s buffered reader makes
the interpreter abort at exit.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from typing import TextIO

PROMPT = "you> "


def _read_raw_line(fd: int) -> str | None:
    """One line from ``fd`` without Python's buffered reader; ``None`` at end of input."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            break
        data += chunk
    if not data:
        return None
    return data.decode(errors="replace").rstrip("\r\n")


class LineReader:
    """Reads lines in a thread and hands them to the event loop; ``None`` means EOF."""

    def __init__(self, prompt: str = PROMPT) -> None:
        self.prompt = prompt
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._wanted = threading.Event()
        self.prompting = False  # True while the prompt waits for a line

    def start(self) -> None:
        threading.Thread(target=self._run, name="chat-input", daemon=True).start()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            line = self._read_line()
            try:
                self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
            except RuntimeError:  # the loop closed meanwhile: the chat is over
                return
            if line is None:
                return

    def _read_line(self) -> str | None:
        self.prompting = True
        try:
            if sys.stdin.isatty():
                return input(self.prompt)
            line = _read_raw_line(sys.stdin.fileno())
            if line is not None:  # echo piped input so the transcript reads like a chat
                sys.stdout.write(self.prompt + line + "\n")
                sys.stdout.flush()
            return line
        except (EOFError, OSError, ValueError):
            return None
        finally:
            self.prompting = False

    async def read(self) -> str | None:
        """The next line; the prompt shows only while a line is wanted."""
        self._wanted.set()
        return await self._lines.get()


def show(text: str, *, out: TextIO = sys.stdout, redraw_prompt: str = "") -> None:
    """Print ``text`` on its own line; on a terminal, put the input prompt back after it."""
    if redraw_prompt:
        out.write("\r\x1b[K" + text + "\n" + redraw_prompt)
    else:
        out.write(text + "\n")
    out.flush()
