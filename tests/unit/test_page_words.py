"""The advocate's pages say everything in words from the catalogue: every call stage,
every outcome, every reason the gate can refuse, and times on both clocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.calls.models import CallStage, Outcome
from gateway.domain.decision import Decision, Reason
from gateway.web.pages import rule_words
from gateway.web.pages.call_words import call_status, outcome_words, stage_words
from gateway.web.pages.card import next_safe_time
from gateway.web.pages.catalogue import ENGLISH, Translator, load_catalogues, translator
from gateway.web.pages.render import LOCALES
from gateway.web.pages.when import moment

GATEWAY = Path(__file__).resolve().parents[2] / "gateway"
MONDAY_9_TORONTO = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


@pytest.fixture(params=sorted(load_catalogues(LOCALES)))
def t(request: pytest.FixtureRequest) -> Translator:
    return translator(load_catalogues(LOCALES), request.param)


def english() -> Translator:
    return translator(load_catalogues(LOCALES), ENGLISH)


def refusal_codes() -> set[str]:
    """Every reason code the gate can give: those ``decide`` writes and the PBX check's."""
    decide = (GATEWAY / "domain" / "decision.py").read_text(encoding="utf-8")
    pbx = (GATEWAY / "calls" / "pbx_check.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'Reason\("([a-z-]+)"', decide))
    codes |= set(re.findall(r'PBX_CONFIG_UNSAFE = "([a-z-]+)"', pbx))
    assert {"outside-window", "caller-id-locked", "pbx-config-unsafe"} <= codes
    return codes


def test_every_stage_and_every_outcome_has_its_own_words(t: Translator) -> None:
    stages = {stage_words(t, stage) for stage in CallStage}
    outcomes = {outcome_words(t, outcome) for outcome in Outcome}
    assert len(stages) == len(CallStage) and all(stages)
    assert len(outcomes) == len(Outcome) and all(outcomes)


def test_the_contract_words_of_the_live_status() -> None:
    t = english()
    assert [stage_words(t, stage) for stage in CallStage] == [
        "Calling you", "Briefing", "Calling the participant", "Connected",
        "Leaving a voicemail", "Ended"]
    assert outcome_words(t, Outcome.VOICEMAIL_LEFT) == "Voicemail left."
    assert outcome_words(t, Outcome.REJECTED_ANONYMOUS) == (
        "They declined anonymous calls: no fallback agreed.")
    assert outcome_words(t, Outcome.REJECTED_ANONYMOUS, masked_fallback_used=True) == (
        "They declined anonymous calls, and the masked number too.")


def test_an_ended_call_says_how_and_what_else_happened() -> None:
    t = english()
    running = call_status(t, {"state": "briefing"})
    ended = call_status(t, {"state": "ended", "outcome": "answered",
                            "masked_fallback_used": True, "other_person_answered": True})
    assert (running.text, running.done) == ("Briefing", False)
    assert ended.done
    assert ended.text == ("Ended: They answered. The masked agency number was used, as agreed, "
                          "after their phone refused an anonymous call. You marked that someone "
                          "else answered.")
    assert call_status(t, {"state": "ended", "outcome": "???"}).text.startswith(
        "Ended: The call could not be completed.")


def test_every_reason_the_gate_gives_has_words_of_its_own(t: Translator) -> None:
    for code in sorted(refusal_codes()):
        words = rule_words.reason(t, Reason(code, "THE GATE'S TEXT"), mode="withhold",
                                  pause_until="2026-04-01")
        assert words and words != "THE GATE'S TEXT", code


def test_a_reason_this_page_does_not_know_is_shown_in_the_gates_words() -> None:
    assert rule_words.reason(english(), Reason("new-rule", "A new rule says no."),
                             mode="withhold", pause_until=None) == "A new rule says no."


def test_a_moment_reads_on_its_own_clock_with_its_zone() -> None:
    t = english()
    assert moment(t, MONDAY_9_TORONTO, "America/Toronto") == (
        "Monday 2026-03-09, 09:00 (America/Toronto)")
    assert moment(t, MONDAY_9_TORONTO, "Europe/Paris") == "Monday 2026-03-09, 14:00 (Europe/Paris)"
    assert moment(t, MONDAY_9_TORONTO, "Not/AZone") == "Monday 2026-03-09, 13:00 (UTC)"


def refused(*codes: str, at: datetime | None = None) -> Decision:
    return Decision(False, tuple(Reason(code, code) for code in codes), at, None)


def test_the_next_safe_time_is_on_both_clocks_or_says_why_there_is_none() -> None:
    t = english()
    zones = {"participant_zone": "America/Toronto", "advocate_zone": "Europe/Paris"}

    timed = next_safe_time(t, refused("outside-window", at=MONDAY_9_TORONTO), **zones)
    none_soon = next_safe_time(t, refused("paused"), **zones)
    locked = next_safe_time(t, refused("caller-id-locked"), **zones)
    both = next_safe_time(t, refused("outside-window", "caller-id-locked",
                                     at=MONDAY_9_TORONTO), **zones)

    assert next_safe_time(t, Decision(True, (), None, None), **zones) is None
    assert timed is not None and timed.and_then is None
    assert (timed.theirs, timed.yours) == ("Monday 2026-03-09, 09:00 (America/Toronto)",
                                           "Monday 2026-03-09, 14:00 (Europe/Paris)")
    assert none_soon is not None and none_soon.text is not None
    assert "next safe time is not known" in none_soon.text
    assert locked is not None and locked.text is not None
    assert "next safe time is as soon as" in locked.text
    assert both is not None and both.theirs and both.and_then
