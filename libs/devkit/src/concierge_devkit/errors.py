"""The one error the developer runner reports to the person running it."""

from __future__ import annotations


class DevkitError(Exception):
    """Something the runner cannot do, with a message that says what to change."""
