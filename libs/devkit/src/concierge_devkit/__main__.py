"""``python -m concierge_devkit``: the same as the ``concierge`` command."""

import sys

from concierge_devkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
