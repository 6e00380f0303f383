"""Someone other than the participant answered: the advocate's mark, and what follows.

The mark reaches the gateway in the dialplan's end-of-call report; here the
outcome rules, the agreed rule and the call-backs are checked with a real
database, scheduler and gate (the keys themselves are proven against
Asterisk in the integration tier).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from gateway.audit import service as audit
from gateway.callbacks.planning import CallbackPlan
from gateway.calls import records
from gateway.calls.models import CallReport, Outcome
from gateway.calls.outcome import ORIGINATE_ANSWERED, CallSignals, classify
from gateway.domain.preferences import OtherAnswerKind, OtherAnswerRule
from gateway.errors import BadInput
from gateway.people import service as people
from gateway.policyfile import PolicyFileError, parse_policy
from gateway.wiring import AppContext
from tests.support.phones import ScriptedPhone
from tests.support.world import add_advocate, add_participant, new_participant

ALWAYS = ["mon-sun 00:00-24:00"]
CALL_ID = "0b7e6a52-9d51-4bb8-9a43-1f1d0d3c2b11"


def _bridged(**fields: str) -> dict[str, str]:
    return {"DialStatus": "ANSWER", "AnsweredTime": "8", "ConnectedTime": "8.2",
            "HangupSource": "participant", "Amd": "HUMAN", **fields}


# -- the outcome -----------------------------------------------------------------------


def test_a_short_call_the_advocate_marked_is_answered_not_dropped() -> None:
    report = classify(CallSignals(CALL_ID, ORIGINATE_ANSWERED, _bridged(OtherAnswered="yes")))
    assert report.outcome is Outcome.ANSWERED
    assert report.other_person_answered


def test_the_same_short_call_without_the_mark_is_a_drop() -> None:
    report = classify(CallSignals(CALL_ID, ORIGINATE_ANSWERED, _bridged()))
    assert report.outcome is Outcome.DROPPED
    assert not report.other_person_answered


def test_the_mark_counts_only_on_a_bridged_call() -> None:
    machine = {"DialStatus": "NOANSWER", "Amd": "MACHINE", "Voicemail": "left",
               "OtherAnswered": "yes"}
    report = classify(CallSignals(CALL_ID, ORIGINATE_ANSWERED, machine))
    assert report.outcome is Outcome.VOICEMAIL_LEFT
    assert not report.other_person_answered


def test_the_advocates_wait_is_reported_and_absent_when_nothing_rang() -> None:
    rang = classify(CallSignals(CALL_ID, ORIGINATE_ANSWERED, _bridged(AdvocateWait="4.25")))
    assert rang.advocate_wait_s == pytest.approx(4.25)
    assert rang.as_dict()["advocate_wait_s"] == 4.25
    refused = classify(CallSignals(CALL_ID, ORIGINATE_ANSWERED,
                                   {"Refusal": "not-confirmed", "AdvocateWait": ""}))
    assert refused.advocate_wait_s is None
    assert refused.as_dict()["advocate_wait_s"] is None


# -- the agreed rule ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["pause:0", "pause:366", "pause:", "pause:x", "stop", "1"])
def test_an_unknown_rule_is_refused_with_a_clear_message(text: str) -> None:
    with pytest.raises(BadInput, match=r"if_other_answers: .*(none or pause:DAYS|1 to 365)"):
        new_participant(if_other_answers=text)


def test_the_rule_is_kept_in_its_canonical_form() -> None:
    assert str(OtherAnswerRule.parse(" Pause:7 ")) == "pause:7"
    assert OtherAnswerRule.parse("none").kind is OtherAnswerKind.NONE


def test_a_pause_never_shortens_one_already_agreed() -> None:
    rule = OtherAnswerRule.parse("pause:7")
    today = date(2026, 11, 25)
    assert rule.pause_until(today, None) == date(2026, 12, 2)
    assert rule.pause_until(today, date(2027, 1, 1)) == date(2027, 1, 1)
    assert OtherAnswerRule.parse("none").pause_until(today, None) is None


@pytest.mark.parametrize("keys", ["*", "12345", "*a", ""])
def test_the_policy_refuses_keys_that_are_too_easy_or_impossible_to_press(keys: str) -> None:
    with pytest.raises(PolicyFileError, match="other_person_keys"):
        parse_policy(f'[calls]\nother_person_keys = "{keys}"\n')


def test_the_policy_reads_the_keys_and_the_briefing_rate() -> None:
    policy = parse_policy('[calls]\nother_person_keys = "#9"\n[briefing]\nwords_per_minute = 220\n')
    assert (policy.other_person_keys, policy.briefing_words_per_minute) == ("#9", 220)


# -- after the call ------------------------------------------------------------------------


#: Every call answered and marked "someone else answered" by the advocate.
MARKED = CallReport("", Outcome.ANSWERED, None, True, True, 6.0, other_person_answered=True,
                    advocate_wait_s=3.0)


def _call(world: AppContext, participant_id: str, advocate_id: str) -> CallReport:
    gate = replace(world.gate(), connect=ScriptedPhone(report=MARKED).connect,
                   verify_pbx_safe=lambda: None)
    prepared = gate.prepare(participant_id=participant_id, advocate_id=advocate_id,
                            actor="test")
    return asyncio.run(gate.run(prepared, participant_id=participant_id,
                                advocate_id=advocate_id, actor="test"))


def _pending_callback(world: AppContext, participant_id: str, advocate_id: str) -> str:
    later = datetime.now(UTC) + timedelta(minutes=30)
    return world.callbacks().create(plan=CallbackPlan(1, 3, later, later),
                                    participant_id=participant_id, advocate_id=advocate_id,
                                    origin_call_id="origin", now=datetime.now(UTC))


def test_someone_else_answering_cancels_pending_call_backs_and_applies_the_agreed_pause(
    world: AppContext,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS, on_drop="callback",
                                     if_other_answers="pause:14")
    advocate_id = add_advocate(world)
    callback_id = _pending_callback(world, participant_id, advocate_id)

    report = _call(world, participant_id, advocate_id)

    assert report.other_person_answered
    assert world.callbacks().status_of(callback_id) == "cancelled"
    assert world.scheduler.job_ids() == []
    with world.db.unit_of_work() as session:
        card = people.show_participant(session, policy=world.policy,
                                       participant_id=participant_id)
        actions = [entry.action for entry in audit.records(session, participant_id)]
    assert card["if_other_answers"] == {"value": "pause:14"}
    assert card["pause_until"] is not None
    assert date.fromisoformat(card["pause_until"]) >= date.today() + timedelta(days=13)
    assert "participant.other-person-answered" in actions
    (record,) = records.list_records(world.db, participant_id=participant_id)
    assert record["next_action"] == "other-person-answered"
    assert record["other_person_answered"] is True
    assert record["advocate_wait_s"] == 3.0


def test_the_pause_then_refuses_calls_with_the_date_they_may_resume(world: AppContext) -> None:
    participant_id = add_participant(world, windows=ALWAYS, if_other_answers="pause:3")
    advocate_id = add_advocate(world)
    _call(world, participant_id, advocate_id)

    decision = world.gate()._decide(participant_id, advocate_id, datetime.now(UTC))
    assert not decision.allowed
    assert [reason.code for reason in decision.reasons] == ["paused"]


def test_with_no_rule_discussed_call_backs_are_still_cancelled_and_calls_may_go_on(
    world: AppContext,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS, on_drop="callback")
    advocate_id = add_advocate(world)
    callback_id = _pending_callback(world, participant_id, advocate_id)

    _call(world, participant_id, advocate_id)

    assert world.callbacks().status_of(callback_id) == "cancelled"
    with world.db.unit_of_work() as session:
        card = people.show_participant(session, policy=world.policy,
                                       participant_id=participant_id)
    assert card["pause_until"] is None
    assert card["if_other_answers"]["value"] == "none"
    assert "not yet discussed" in card["if_other_answers"]["note"]
    assert world.gate()._decide(participant_id, advocate_id, datetime.now(UTC)).allowed


# -- the keys in the PBX -----------------------------------------------------------------


def _rendered(tmp_path: Path, policy_text: str = "") -> dict[str, str]:
    from gateway.pbx.render import RuntimeLayout, render_texts
    from gateway.settings import load_settings

    return render_texts(load_settings({}), RuntimeLayout(tmp_path / "pbx"),
                        parse_policy(policy_text))


def test_the_keys_are_the_policys_and_run_on_the_channel_that_pressed_them(
    tmp_path: Path,
) -> None:
    features = _rendered(tmp_path, '[calls]\nother_person_keys = "#9"\n')["features.conf"]
    mapped = [line for line in features.splitlines() if "=>" in line]
    assert mapped == ["safedial-other-answered => #9,self,"
                      "Gosub(safedial-other-answered,s,1)"], "one feature, nothing built in"


def test_only_the_advocates_channel_gets_the_keys(tmp_path: Path) -> None:
    dialplan = _rendered(tmp_path)["extensions.conf"]
    assert " same => n,Set(DYNAMIC_FEATURES=safedial-other-answered)" in dialplan.splitlines()
    assert "_DYNAMIC_FEATURES" not in dialplan, "an inherited feature would reach the participant"
    assert "OtherAnswered: ${SAFEDIAL_OTHER_ANSWERED}" in dialplan
