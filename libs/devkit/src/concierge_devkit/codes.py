"""``concierge codes generate``: new parent codes, strong enough that guessing is hopeless.

What a code is and why it is strong (57.9 bits, three groups of four characters
without look-alikes): :mod:`concierge_common.parent_codes`. Against the store's
shared budget of wrong codes (a few dozen an hour, :mod:`store.claim_limits`),
guessing one family's code would take billions of years (200 families, 60
guesses an hour: 2.5e9 years on average).

The codes are printed only (one a line); staff give each to a family and
provision it (``role.grant`` with it as ``intrinsic_id``, hashed by the store).
The generator itself is :mod:`concierge_common.parent_codes`, which the store's
``family.issue_code`` (the admin API) uses as well.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from concierge_common.parent_codes import (
    ALPHABET,
    DIGITS,
    GROUP_LENGTH,
    GROUPS,
    LETTERS,
    code_bits,
    new_code,
    new_group,
)

__all__ = [
    "ALPHABET",
    "DIGITS",
    "GROUPS",
    "GROUP_LENGTH",
    "LETTERS",
    "add_parser",
    "code_bits",
    "new_code",
    "new_group",
    "run",
]


def add_parser(commands: Any) -> None:
    codes = commands.add_parser("codes", help="parent codes")
    actions = codes.add_subparsers(dest="codes_command", required=True)
    generate = actions.add_parser(
        "generate",
        help="print new strong codes (one a line)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    generate.add_argument("-n", "--count", type=_positive, default=1, help="how many (1)")


def _positive(value: str) -> int:
    count = int(value)
    if not 1 <= count <= 10_000:
        raise argparse.ArgumentTypeError("between 1 and 10000")
    return count


async def run(args: argparse.Namespace) -> int:
    """Print ``args.count`` distinct new codes."""
    codes: set[str] = set()
    while len(codes) < args.count:
        codes.add(new_code())
    sys.stdout.write("".join(f"{code}\n" for code in codes))
    return 0
