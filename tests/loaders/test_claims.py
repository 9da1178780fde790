"""Claims with leases: one winner per entry, a live lease holds, an expired or finished one is taken again."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import Engine, func, select

from loaders.claims import claim, finish, renew
from loaders.tables import file_claims
from schemas.vocab import ClaimOutcome

T0 = dt.datetime(2026, 1, 5, 8, 0, 0)


def _row(engine: Engine, key: str) -> tuple[str, int, str | None]:
    with engine.connect() as conn:
        row = conn.execute(
            select(file_claims.c.worker, file_claims.c.attempts, file_claims.c.outcome).where(file_claims.c.key == key)
        ).one()
    return row.worker, row.attempts, row.outcome


def test_a_live_lease_is_not_taken_an_expired_one_is(engine: Engine) -> None:
    first = claim(engine, "a.csv", "w1", 60, now=T0)
    assert first is not None

    assert claim(engine, "a.csv", "w2", 60, now=T0 + dt.timedelta(seconds=59)) is None
    assert _row(engine, "a.csv") == ("w1", 1, None)

    second = claim(engine, "a.csv", "w2", 60, now=T0 + dt.timedelta(seconds=61))
    assert second is not None and second.attempt == 2
    assert _row(engine, "a.csv") == ("w2", 2, None)
    # The first worker's claim is gone: its heartbeat and its finish change nothing.
    assert not renew(engine, first, 60, now=T0 + dt.timedelta(seconds=62))
    assert not finish(engine, first, ClaimOutcome.LOADED, now=T0 + dt.timedelta(seconds=62))
    assert _row(engine, "a.csv") == ("w2", 2, None)


def test_a_renewed_lease_holds_past_its_first_end(engine: Engine) -> None:
    held = claim(engine, "big.csv", "w1", 10, now=T0)
    assert held is not None
    assert renew(engine, held, 10, now=T0 + dt.timedelta(seconds=8))

    # Renewed at 8 s for 10 s: held until 18 s, past the first lease's end at 10 s.
    assert claim(engine, "big.csv", "w2", 10, now=T0 + dt.timedelta(seconds=12)) is None
    assert claim(engine, "big.csv", "w2", 10, now=T0 + dt.timedelta(seconds=17, milliseconds=999)) is None
    assert claim(engine, "big.csv", "w2", 10, now=T0 + dt.timedelta(seconds=18, milliseconds=1)) is not None


def test_a_finished_entry_is_claimed_again_when_a_file_of_that_name_comes_back(engine: Engine) -> None:
    held = claim(engine, "a.csv", "w1", 300, now=T0)
    assert held is not None
    assert finish(engine, held, ClaimOutcome.DUPLICATE, moved_to="/archive/a.csv", now=T0 + dt.timedelta(seconds=1))
    assert _row(engine, "a.csv") == ("w1", 1, "duplicate")

    again = claim(engine, "a.csv", "w2", 300, now=T0 + dt.timedelta(seconds=2))
    assert again is not None
    assert _row(engine, "a.csv") == ("w2", 2, None)


def test_threads_racing_for_one_entry_have_one_winner(engine: Engine) -> None:
    start = threading.Barrier(8)
    won: list[str] = []

    def race(worker: str) -> None:
        start.wait()
        if claim(engine, "race.csv", worker, 300) is not None:
            won.append(worker)

    threads = [threading.Thread(target=race, args=(f"w{n}",)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(won) == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(file_claims)).scalar() == 1
    assert _row(engine, "race.csv")[:2] == (won[0], 1)
