"""What one sync of a source did (or, in a dry run, would do)."""

from __future__ import annotations

from dataclasses import dataclass, field

from store.importing.facts import Skipped


@dataclass
class SyncReport:
    source: str
    dry_run: bool = False
    rows: int = 0
    added: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return self.added + self.changed + self.retired

    def summary(self) -> str:
        would = " (dry run: nothing written)" if self.dry_run else ""
        return (
            f"{self.source}: {self.rows} rows, {self.added} added, {self.changed} changed,"
            f" {self.retired} retired, {self.unchanged} unchanged,"
            f" {len(self.skipped)} skipped{would}"
        )

    def details(self) -> list[str]:
        return [f"  row {item.line}: {item.reason}" for item in self.skipped]
