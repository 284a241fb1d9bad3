"""``python -m router``: run the router service until SIGTERM."""

from concierge_common.bus.runtime import run_main
from router.service import RouterService
from router.settings import RouterSettings

if __name__ == "__main__":
    run_main("router", RouterSettings, RouterService)
