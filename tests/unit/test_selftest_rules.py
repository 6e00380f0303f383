"""The self-test's pure rules: what counts as private, when a mode is locked, when it runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.callerid import CallerIdMode
from gateway.domain.daily import next_daily_run
from gateway.domain.selftest import (
    CanaryReading,
    LockCause,
    ModeHistory,
    Verdict,
    judge,
    lock_cause,
)
from tests.support.numbers import ADVOCATE, AGENCY, GATEWAY, MASKED, STRANGER

WITHHOLD, MASKED_MODE = CallerIdMode.WITHHOLD, CallerIdMode.MASKED
ROLES = {AGENCY: "agency number", GATEWAY: "gateway number", MASKED: "masked number",
         ADVOCATE: "an advocate's phone"}
ANONYMOUS = {"From": '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1'}


def verdict_of(mode: CallerIdMode, reading: CanaryReading, **kwargs: object):
    return judge(mode, reading, masked_number=MASKED, role_of=ROLES.get,
                 default_region="US", **kwargs)  # type: ignore[arg-type]


def test_a_withheld_call_that_arrives_anonymous_passes() -> None:
    reading = CanaryReading(1, "anonymous", "Anonymous", ANONYMOUS)
    assert verdict_of(WITHHOLD, reading).verdict is Verdict.PASS


@pytest.mark.parametrize("header", ["P-Asserted-Identity", "Remote-Party-ID", "Diversion"])
@pytest.mark.parametrize("number,role", [(AGENCY, "agency number"), (MASKED, "masked number"),
                                         (ADVOCATE, "an advocate's phone")])
def test_any_known_number_in_any_header_of_a_withheld_call_fails_naming_its_role(
    header: str, number: str, role: str
) -> None:
    national = f"({number[2:5]}) {number[5:8]}-{number[8:]}"  # carriers send national forms
    reading = CanaryReading(1, "anonymous", "", {**ANONYMOUS, header: f"<sip:{national}@x>"})
    result = verdict_of(WITHHOLD, reading)
    assert (result.verdict, result.check, result.leaked) == (Verdict.FAIL, f"header:{header}",
                                                             role)
    assert number not in repr(result) and number[2:] not in repr(result)


IDENTITY_HEADERS = ["From", "P-Asserted-Identity", "Remote-Party-ID", "Diversion"]


@pytest.mark.parametrize("header", IDENTITY_HEADERS)
def test_a_masked_call_showing_any_number_but_the_masked_one_fails_as_an_unknown_number(
    header: str,
) -> None:
    """'Nothing else arrived': a number the gateway cannot name still fails, unnamed."""
    headers = {"From": f"<sip:{MASKED}@carrier.invalid>"}
    headers[header] = f"{headers.get(header, '')}, <sip:{STRANGER}@carrier.invalid>".lstrip(", ")
    result = verdict_of(MASKED_MODE, CanaryReading(1, MASKED, "", headers))
    assert (result.verdict, result.check, result.leaked) == (
        Verdict.FAIL, f"header:{header}", "an unknown number")
    assert STRANGER not in repr(result) and STRANGER[2:] not in repr(result)


@pytest.mark.parametrize("header", IDENTITY_HEADERS)
def test_an_unknown_number_in_any_identity_header_of_a_withheld_call_fails(header: str) -> None:
    national = f"({STRANGER[2:5]}) {STRANGER[5:8]}-{STRANGER[8:]}"
    headers = {**ANONYMOUS, "Privacy": "id"}
    headers[header] = f"{headers.get(header, '')}, <sip:{national}@x>".lstrip(", ")
    result = verdict_of(WITHHOLD, CanaryReading(1, "anonymous", "", headers))
    assert (result.verdict, result.check, result.leaked) == (
        Verdict.FAIL, f"header:{header}", "an unknown number")


def test_a_known_number_is_named_by_its_role_even_after_an_unknown_one() -> None:
    reading = CanaryReading(1, "anonymous", "", {**ANONYMOUS, "From": f"<sip:{STRANGER}@x>",
                                                 "Diversion": f"<sip:{AGENCY}@x>"})
    result = verdict_of(WITHHOLD, reading)
    assert (result.check, result.leaked) == ("header:Diversion", "agency number")


@pytest.mark.parametrize("mode,number", [(WITHHOLD, "anonymous"), (MASKED_MODE, MASKED)])
def test_addresses_and_dialog_tags_are_not_numbers(mode: CallerIdMode, number: str) -> None:
    """A carrier's host address or a numeric tag is no caller's number: no false failure."""
    user = "anonymous" if mode is WITHHOLD else MASKED
    headers = {"From": f'"Anonymous" <sip:{user}@198.51.100.25:5060>;tag=3858893765',
               "Privacy": "id",
               "Remote-Party-ID": f"<sip:{user}@203.0.113.200>;epid=4102558823;privacy=full"}
    assert verdict_of(mode, CanaryReading(1, number, "", headers)).verdict is Verdict.PASS


def test_a_withheld_call_showing_no_known_number_but_not_restricted_fails() -> None:
    reading = CanaryReading(1, "", "", {"From": "<sip:somebody@carrier.invalid>"})
    assert verdict_of(WITHHOLD, reading).check == "presentation"


def test_privacy_id_counts_as_restricted() -> None:
    reading = CanaryReading(1, "", "", {"From": "<sip:somebody@carrier.invalid>",
                                        "Privacy": "id"})
    assert verdict_of(WITHHOLD, reading).verdict is Verdict.PASS


def test_a_masked_call_showing_the_masked_number_in_national_form_passes() -> None:
    reading = CanaryReading(1, "(202) 555-0100", "", {"From": "<sip:2025550100@carrier>"})
    assert verdict_of(MASKED_MODE, reading).verdict is Verdict.PASS


def test_a_masked_call_showing_the_agency_number_fails() -> None:
    reading = CanaryReading(1, AGENCY, "", {"From": f"<sip:{AGENCY}@carrier>"})
    result = verdict_of(MASKED_MODE, reading)
    assert (result.verdict, result.leaked) == (Verdict.FAIL, "agency number")


def test_a_masked_call_with_a_caller_name_naming_the_organisation_fails() -> None:
    reading = CanaryReading(1, MASKED, "Safe Haven Shelter", {"From": f"<sip:{MASKED}@c>"})
    assert verdict_of(MASKED_MODE, reading, neutral_names=frozenset({"Wireless caller"})
                      ).check == "caller-name"
    neutral = CanaryReading(1, MASKED, "wireless CALLER", {"From": f"<sip:{MASKED}@c>"})
    assert verdict_of(MASKED_MODE, neutral, neutral_names=frozenset({"Wireless caller"})
                      ).verdict is Verdict.PASS


@pytest.mark.parametrize("calls,check", [(0, "canary-not-reached"),
                                         (2, "canary-called-more-than-once")])
def test_no_canary_call_or_more_than_one_is_inconclusive(calls: int, check: str) -> None:
    reading = CanaryReading(calls, "anonymous", "", ANONYMOUS, sip_cause="SIP 480")
    result = verdict_of(WITHHOLD, reading)
    assert (result.verdict, result.check) == (Verdict.INCONCLUSIVE, check)


# -- the lock rule ------------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MAX_AGE = timedelta(hours=36)


@given(uncleared=st.booleans(),
       latest=st.sampled_from([None, *Verdict]),
       pass_age_h=st.one_of(st.none(), st.integers(min_value=0, max_value=200)),
       required=st.booleans())
def test_a_mode_is_locked_exactly_when_the_rule_says(
    uncleared: bool, latest: Verdict | None, pass_age_h: int | None, required: bool
) -> None:
    last_pass = None if pass_age_h is None else NOW - timedelta(hours=pass_age_h)
    history = ModeHistory(latest=latest, last_pass_at=last_pass, uncleared_failure=uncleared)
    expected = uncleared or (required and (
        last_pass is None or latest is Verdict.INCONCLUSIVE or NOW - last_pass > MAX_AGE))
    cause = lock_cause(history, required=required, max_age=MAX_AGE, now=NOW)
    assert (cause is not None) == expected
    if uncleared:
        assert cause is LockCause.FAILED


def test_a_fresh_installation_is_locked_until_a_pass() -> None:
    assert lock_cause(ModeHistory(), required=True, max_age=MAX_AGE,
                      now=NOW) is LockCause.NEVER_PASSED


def test_turning_the_requirement_off_never_lifts_a_failure_lock() -> None:
    assert lock_cause(ModeHistory(Verdict.PASS, NOW, uncleared_failure=True), required=False,
                      max_age=MAX_AGE, now=NOW) is LockCause.FAILED


# -- the nightly schedule -----------------------------------------------------------------

@pytest.mark.parametrize("zone", ["America/Toronto", "Europe/Helsinki"])
def test_the_nightly_run_fires_exactly_once_per_local_day_across_a_year(zone: str) -> None:
    tz = ZoneInfo(zone)
    at = time(3, 30)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    runs = []
    while moment < datetime(2027, 1, 1, tzinfo=UTC):
        moment = next_daily_run(moment, at, tz)
        runs.append(moment)
    days = [run.astimezone(tz).date() for run in runs]
    assert len(days) == len(set(days)), "never twice on one day"
    assert set(days) >= {date(2026, 1, 2) + timedelta(days=n) for n in range(360)}
    for run in runs:
        local = run.astimezone(tz)
        assert (local.hour, local.minute) in {(3, 30), (4, 0)}


def test_on_the_day_the_wall_time_does_not_exist_it_runs_right_after_the_gap() -> None:
    helsinki = ZoneInfo("Europe/Helsinki")  # 2026-03-29: 03:00 EET jumps to 04:00 EEST
    run = next_daily_run(datetime(2026, 3, 28, 12, tzinfo=UTC), time(3, 30), helsinki)
    assert run == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert run.astimezone(helsinki).strftime("%H:%M") == "04:00"


def test_on_the_day_the_wall_time_occurs_twice_only_the_first_counts() -> None:
    helsinki = ZoneInfo("Europe/Helsinki")  # 2026-10-25: 04:00 EEST falls back to 03:00 EET
    first = next_daily_run(datetime(2026, 10, 24, 12, tzinfo=UTC), time(3, 30), helsinki)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    after = next_daily_run(first, time(3, 30), helsinki)
    assert after.astimezone(helsinki).date() == date(2026, 10, 26)
