"""The store's seed read from a file (``python -m store seed --file PATH``): checked, or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge_common.errors import ConfigError
from store import seed

HELD_BACK_SEED = Path(__file__).resolve().parents[1] / "eval" / "held_back" / "seed.json"
SERVICE = (
    '{"name": "RENSEIGNEMENT", "description": "d", "trigger_keywords": [], '
    '"processing_type": "ai", "context": {"system_prompt": "s"}, '
    '"infos": [{"title": "T", "content": "a"}, {"title": "T", "content": "b"}]}'
)


def test_another_parishs_seed_file_loads_like_the_packaged_one() -> None:
    data = seed.load_file(HELD_BACK_SEED)
    assert [service.name for service in data.services] == [
        "RENSEIGNEMENT",
        "CATECHESE",
        "CONTACT_HUMAIN",
    ]
    assert len(data.families) == 3
    assert data != seed.load()


def test_a_missing_seed_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read the seed file .*missing\.json"):
        seed.load_file(tmp_path / "missing.json")


def test_a_malformed_seed_file_is_named_with_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "parish.json"
    path.write_text('{"services": "none"}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"parish\.json: invalid seed data"):
        seed.load_file(path)


def test_a_seed_file_is_checked_for_ambiguities_like_the_packaged_one(tmp_path: Path) -> None:
    path = tmp_path / "twice.json"
    path.write_text('{"services": [' + SERVICE + "]}", encoding="utf-8")
    with pytest.raises(ConfigError, match="a title appears twice in RENSEIGNEMENT"):
        seed.load_file(path)
