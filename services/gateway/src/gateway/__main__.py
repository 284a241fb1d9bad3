"""``python -m gateway``: run the gateway service until SIGTERM (see :mod:`gateway.cli`)."""

from gateway.cli import main

if __name__ == "__main__":
    main()
