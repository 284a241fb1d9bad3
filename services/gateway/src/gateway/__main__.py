"""``python -m gateway``: run the gateway service until SIGTERM."""

from concierge_common.runtime import run_main
from gateway.service import GatewayService
from gateway.settings import GatewaySettings

if __name__ == "__main__":
    run_main("gateway", GatewaySettings, GatewayService)
