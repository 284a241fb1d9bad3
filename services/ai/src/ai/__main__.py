"""``python -m ai``: run the ai service until SIGTERM."""

from ai.service import AiService
from ai.settings import AiSettings
from concierge_common.bus.runtime import run_main

if __name__ == "__main__":
    run_main("ai", AiSettings, AiService)
