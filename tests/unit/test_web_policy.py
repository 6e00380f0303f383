"""The ``[web]`` policy section and the pure rules it drives: when a session ends by
itself, and how tries are counted and locked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.domain.policy import WebPolicy
from gateway.domain.throttle import Attempts, counted, lock_engaged, locked_until
from gateway.domain.web_sessions import EndReason, end_reason, needs_touch
from gateway.policyfile import PolicyFileError, load_policy, parse_policy

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
WEB = WebPolicy()
WINDOW = timedelta(minutes=15)


# -- the [web] policy ------------------------------------------------------------------------

def test_the_web_policy_defaults_match_the_issue() -> None:
    web = parse_policy("").web
    assert (web.idle_minutes, web.session_hours, web.code_word_attempts, web.sign_in_attempts,
            web.sign_in_window_minutes) == (30, 12, 5, 5, 15)


def test_the_shipped_policy_file_spells_out_the_web_section() -> None:
    shipped = Path(__file__).resolve().parents[2] / "policies" / "default.toml"
    assert "[web]" in shipped.read_text()
    assert load_policy(shipped).web == WebPolicy()


@pytest.mark.parametrize("line", ["idle_minutes = 0", "session_hours = 100",
                                  "code_word_attempts = 0", "sign_in_attempts = 1",
                                  "sign_in_window_minutes = 0", "sign_in_attempts = true",
                                  "remember_me = true"])
def test_a_web_value_out_of_range_or_unknown_is_refused_with_its_line(line: str) -> None:
    with pytest.raises(PolicyFileError, match=r"line 2 \(web\."):
        parse_policy(f"[web]\n{line}\n")


def test_idle_minutes_longer_than_the_session_is_refused() -> None:
    with pytest.raises(PolicyFileError, match="idle_minutes"):
        parse_policy("[web]\nidle_minutes = 120\nsession_hours = 1\n")


# -- the pure rule ---------------------------------------------------------------------------

def test_a_session_ends_after_the_idle_minutes_without_use() -> None:
    times = {"created_at": NOW, "last_seen_at": NOW, "expires_at": NOW + timedelta(hours=12)}
    assert end_reason(**times, now=NOW + timedelta(minutes=29, seconds=59), policy=WEB) is None
    assert end_reason(**times, now=NOW + timedelta(minutes=30), policy=WEB) is EndReason.IDLE


def test_a_session_ends_at_its_absolute_lifetime_however_busy() -> None:
    late = NOW + timedelta(hours=12)
    assert end_reason(created_at=NOW, last_seen_at=late - timedelta(seconds=5),
                      expires_at=late, now=late, policy=WEB) is EndReason.EXPIRED


def test_a_shorter_policy_lifetime_shortens_open_sessions_too() -> None:
    shorter = replace(WEB, session_hours=2)
    at = NOW + timedelta(hours=2)
    assert end_reason(created_at=NOW, last_seen_at=at - timedelta(minutes=1),
                      expires_at=NOW + timedelta(hours=12), now=at,
                      policy=shorter) is EndReason.EXPIRED


def test_use_is_recorded_at_most_once_a_minute() -> None:
    assert not needs_touch(NOW, NOW + timedelta(seconds=59))
    assert needs_touch(NOW, NOW + timedelta(minutes=1))


def test_a_pending_second_factor_waits_five_minutes() -> None:
    times = {"created_at": NOW, "last_seen_at": NOW, "expires_at": NOW + timedelta(hours=12)}
    assert end_reason(**times, now=NOW + timedelta(minutes=4), policy=WEB,
                      second_factor_pending=True) is None
    assert end_reason(**times, now=NOW + timedelta(minutes=5), policy=WEB,
                      second_factor_pending=True) is EndReason.EXPIRED


# -- counting tries --------------------------------------------------------------------------

def test_the_try_that_reaches_the_limit_locks_the_key_until_the_window_ends() -> None:
    state = None
    for minute in range(5):
        before = state
        state = counted(state, now=NOW + timedelta(minutes=minute), limit=5, window=WINDOW)
        assert lock_engaged(before, state, NOW + timedelta(minutes=minute)) is (minute == 4)
    assert state is not None and state.locked_until == NOW + WINDOW
    assert locked_until(state, NOW + timedelta(minutes=14)) == NOW + WINDOW
    assert locked_until(state, NOW + WINDOW) is None


def test_a_try_after_the_window_starts_a_new_one() -> None:
    old = Attempts(failures=4, window_started_at=NOW)
    fresh = counted(old, now=NOW + WINDOW, limit=5, window=WINDOW)
    assert fresh == Attempts(failures=1, window_started_at=NOW + WINDOW)
    same = counted(old, now=NOW + WINDOW - timedelta(seconds=1), limit=5, window=WINDOW)
    assert same.failures == 5 and same.locked_until == NOW + WINDOW

