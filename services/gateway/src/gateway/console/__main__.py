"""``python -m gateway.console hash-password``: the hash of a console password.

The password is read without echo (or from standard input when it is not a terminal)
and the hash printed, for a ``CONSOLE_ACCOUNTS`` entry ``name:role:<hash>``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from gateway.console.accounts import hash_password

MIN_LENGTH = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.console")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("hash-password", help="print the hash of a password read from stdin")
    parser.parse_args(argv)
    if sys.stdin.isatty():
        password = getpass.getpass("Mot de passe : ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_LENGTH:
        print(f"password too short: at least {MIN_LENGTH} characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
