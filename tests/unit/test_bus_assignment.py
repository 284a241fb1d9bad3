"""Rendezvous assignment: every partition has one owner, and a change of replicas moves little."""

from __future__ import annotations

from concierge_common.bus.assignment import owner, wanted

PARTITIONS = 64


def _shares(replicas: list[str]) -> dict[str, frozenset[int]]:
    return {r: wanted("router", PARTITIONS, replicas, r) for r in replicas}


def test_the_replicas_shares_cover_every_partition_exactly_once() -> None:
    shares = _shares(["a1", "b2", "c3"])
    owned = [p for share in shares.values() for p in share]
    assert sorted(owned) == list(range(PARTITIONS))


def test_each_of_three_replicas_gets_a_fair_share() -> None:
    sizes = [len(share) for share in _shares(["a1", "b2", "c3"]).values()]
    assert all(PARTITIONS // 6 <= size <= PARTITIONS // 2 for size in sizes), sizes


def test_a_replica_that_joins_takes_partitions_only_from_others_never_moves_theirs() -> None:
    before = _shares(["a1", "b2"])
    after = _shares(["a1", "b2", "c3"])
    assert after["c3"]
    for old in ("a1", "b2"):
        assert after[old] <= before[old]
    assert after["c3"] == (before["a1"] - after["a1"]) | (before["b2"] - after["b2"])


def test_a_replica_that_leaves_gives_only_its_own_partitions_away() -> None:
    before = _shares(["a1", "b2", "c3"])
    after = _shares(["a1", "b2"])
    for kept in ("a1", "b2"):
        assert before[kept] <= after[kept]


def test_a_replica_alone_owns_everything_even_before_it_hears_itself() -> None:
    assert wanted("router", 8, [], "solo") == frozenset(range(8))


def test_every_replica_computes_the_same_owner_whatever_the_order_it_lists_them() -> None:
    for part in range(PARTITIONS):
        assert owner("ai", part, ["x", "y", "z"]) == owner("ai", part, ["z", "x", "y"])


def test_services_are_spread_independently() -> None:
    router = wanted("router", PARTITIONS, ["a1", "b2"], "a1")
    ai = wanted("ai", PARTITIONS, ["a1", "b2"], "a1")
    assert router != ai
