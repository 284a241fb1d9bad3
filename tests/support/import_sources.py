"""What the importer tests share: the facts mapping their sources use, and a sleep that
only records how long the importer would have waited (no test waits for real)."""

from __future__ import annotations

from dataclasses import dataclass, field

# The columns of the test sources' facts, as a mapping file's [facts] section.
FACT_COLUMNS = """
[facts]
key = "id"
title = "Titre"
content = "Texte"
valid_from = "Début"
valid_until = "Fin"
service = "Service"
default_service = "RENSEIGNEMENT"
"""


@dataclass
class Sleeps:
    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
