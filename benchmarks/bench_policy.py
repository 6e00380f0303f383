"""Benchmarks for the hot pure paths: the call decision and the next safe time.

Targets (on the 2-core CI machine): a decision in well under 1 ms, so a page
listing hundreds of participants with "callable now?" stays instant; the next
safe time across a DST change in under 2 ms. Run with `make bench`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.domain.decision import decide
from gateway.domain.policy import AgencyPolicy
from gateway.domain.preferences import AdvocateFacts, LockState, ParticipantFacts, Preferences
from gateway.domain.windows import next_open, parse_window_spec

TARGETS_MS = {"decide (allowed)": 1.0, "decide (refused, next safe time)": 2.0,
              "next_open across DST": 2.0}


def measure(name: str, work: Callable[[], object], rounds: int = 2000) -> tuple[str, float]:
    for _ in range(50):
        work()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    return name, statistics.median(samples)


def main() -> int:
    windows = parse_window_spec("mon-fri 09:00-17:00") + parse_window_spec("sat 10:00-12:00")
    participant = ParticipantFacts("p_1", "Rose", Preferences(timezone="America/Toronto",
                                                              windows=windows))
    advocate = AdvocateFacts("a_1", "Sam")
    policy = AgencyPolicy()
    inside = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    outside = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    before_dst = datetime(2026, 3, 7, 23, 0, tzinfo=UTC) - timedelta(hours=1)
    toronto = ZoneInfo("America/Toronto")
    results = [
        measure("decide (allowed)", lambda: decide(participant=participant, advocate=advocate,
                                                   policy=policy, locks=LockState(), now=inside)),
        measure("decide (refused, next safe time)",
                lambda: decide(participant=participant, advocate=advocate, policy=policy,
                               locks=LockState(), now=outside)),
        measure("next_open across DST", lambda: next_open(windows, toronto, before_dst)),
    ]
    failed = False
    for name, median_ms in results:
        target = TARGETS_MS[name]
        verdict = "ok" if median_ms <= target else "SLOWER THAN TARGET"
        failed |= median_ms > target
        print(f"{name:36s} median {median_ms:7.3f} ms   target {target:.1f} ms   {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
