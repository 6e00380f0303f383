"""The advocate's code-word check: match or no match, compared after NFKC and case
folding in constant time, throttled per advocate and participant, audited without the
word; and the rotation reminder."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.audit import service as audit
from gateway.domain.code_word import code_word_due_for_rotation, normalize_code_word
from gateway.domain.policy import AgencyPolicy, WebPolicy
from gateway.domain.preferences import Preferences
from gateway.errors import BadInput, NotFound
from gateway.people import caseload, code_word
from gateway.people.code_word import CodeWordThrottled, check_code_word
from gateway.people.records import get_participant_row, preferences_of
from gateway.storage.tables import ThrottleRow
from gateway.wiring import AppContext
from tests.support.world import SCOPED_POLICY, add_advocate, add_participant, make_world

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


def check(world: AppContext, advocate_id: str, participant_id: str, spoken: str,
          at: datetime = NOW, policy: AgencyPolicy | None = None) -> bool:
    with world.db.unit_of_work() as session:
        return check_code_word(session, keys=world.keys, policy=policy or world.policy,
                               advocate_id=advocate_id, participant_id=participant_id,
                               spoken=spoken, now=at)


@pytest.mark.parametrize("spoken", ["bluebird", "BlueBird", "  bluebird\t",
                                    "\uff42\uff4c\uff55\uff45\uff42\uff49\uff52\uff44"])
def test_the_code_word_matches_after_nfkc_case_folding_and_outer_spaces(
    world: AppContext, spoken: str,
) -> None:
    participant_id = add_participant(world, code_word="Bluebird")
    assert check(world, add_advocate(world), participant_id, spoken) is True


@pytest.mark.parametrize("on_file, spoken", [("Straße", "STRASSE"), ("Ǆemal", "ǆemal"),
                                             ("Σοφία", "ΣΟΦΊΑ"), ("ﬁlm", "FILM")])
def test_any_script_is_compared_by_its_folded_form(on_file: str, spoken: str) -> None:
    assert code_word.same_code_word(spoken, on_file)


@pytest.mark.parametrize("spoken", ["bluebir", "bluebirds", "blue bird", "", "redbird"])
def test_anything_else_is_no_match(world: AppContext, spoken: str) -> None:
    participant_id = add_participant(world, code_word="bluebird")
    assert check(world, add_advocate(world), participant_id, spoken) is False


def test_the_comparison_is_of_equal_length_hmacs_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(code_word.hmac, "compare_digest", spy)
    code_word.same_code_word("a", "a much longer code word")
    ((first, second),) = compared
    assert len(first) == len(second) == 32
    assert b"code word" not in first + second


def test_a_check_is_audited_with_its_result_and_never_the_word(world: AppContext) -> None:
    participant_id = add_participant(world, code_word="bluebird")
    advocate_id = add_advocate(world)
    check(world, advocate_id, participant_id, "bluebird")
    check(world, advocate_id, participant_id, "sparrow")
    with world.db.unit_of_work() as session:
        entries = audit.records(session)[-2:]
    assert [(entry.action, entry.participant, entry.fields) for entry in entries] == [
        ("participant.code-word-checked", participant_id, (f"advocate={advocate_id}",
                                                           "matched=1")),
        ("participant.code-word-checked", participant_id, (f"advocate={advocate_id}",
                                                           "matched=0"))]
    assert "bluebird" not in json.dumps([entry.fields for entry in entries])
    assert "sparrow" not in json.dumps([entry.fields for entry in entries])


def test_checks_past_the_policys_attempts_in_an_hour_are_refused(world: AppContext) -> None:
    policy = replace(world.policy, web=WebPolicy(code_word_attempts=3))
    participant_id = add_participant(world, code_word="bluebird")
    advocate_id, colleague_id = add_advocate(world), add_advocate(world)
    for minute in range(3):
        check(world, advocate_id, participant_id, "guess", NOW + timedelta(minutes=minute),
              policy)
    with pytest.raises(CodeWordThrottled) as caught:
        check(world, advocate_id, participant_id, "bluebird", NOW + timedelta(minutes=3), policy)
    assert (caught.value.error_id, caught.value.http_status) == ("code-word-throttled", 429)
    assert caught.value.details["retry_after_s"] == str(57 * 60 + 1)
    assert check(world, colleague_id, participant_id, "bluebird", NOW, policy), \
        "per advocate and participant"
    assert check(world, advocate_id, participant_id, "bluebird", NOW + timedelta(hours=1),
                 policy)
    with world.db.unit_of_work() as session:
        assert "participant.code-word-throttled" in [
            entry.action for entry in audit.records(session)]
        assert not any(participant_id in key or advocate_id in key
                       for key in session.scalars(select(ThrottleRow.key)))


def test_the_default_is_five_checks_an_hour(world: AppContext) -> None:
    participant_id = add_participant(world, code_word="bluebird")
    advocate_id = add_advocate(world)
    for _ in range(5):
        check(world, advocate_id, participant_id, "bluebird")
    with pytest.raises(CodeWordThrottled):
        check(world, advocate_id, participant_id, "bluebird")


def test_a_participant_outside_the_caseload_is_not_found(world: AppContext) -> None:
    participant_id = add_participant(world, code_word="bluebird")
    advocate_id = add_advocate(world)
    with pytest.raises(NotFound):
        check(world, advocate_id, participant_id, "bluebird", policy=SCOPED_POLICY)
    with world.db.unit_of_work() as session:
        caseload.assign(session, actor="test", participant_id=participant_id,
                        advocate_id=advocate_id)
    assert check(world, advocate_id, participant_id, "bluebird", policy=SCOPED_POLICY)


def test_no_code_word_on_file_is_said_plainly(world: AppContext) -> None:
    participant_id = add_participant(world, code_word=None)
    with pytest.raises(BadInput, match="no code word"):
        check(world, add_advocate(world), participant_id, "bluebird")


def test_a_check_does_not_seal_over_preferences_edited_behind_safedials_back(
    world: AppContext,
) -> None:
    participant_id = add_participant(world, code_word="bluebird")
    with world.db.unit_of_work() as session:
        get_participant_row(session, participant_id).caller_id = "masked"
    check(world, add_advocate(world), participant_id, "bluebird")
    with world.db.unit_of_work() as session:
        verdict = audit.verify(session)
    assert not verdict.ok and "preferences changed outside" in (verdict.problem or "")


# -- rotation --------------------------------------------------------------------------------

@pytest.mark.parametrize("rotated, due", [(date(2026, 1, 1), False), (date(2025, 9, 3), False),
                                          (date(2025, 9, 2), True), (None, True)])
def test_a_code_word_is_due_for_rotation_after_the_policys_days(
    rotated: date | None, due: bool,
) -> None:
    prefs = Preferences(timezone="UTC", has_code_word=True, code_word_rotated=rotated)
    policy = AgencyPolicy(code_word_rotation_days=180)
    assert code_word_due_for_rotation(prefs, policy, date(2026, 3, 1)) is due


def test_no_code_word_is_never_due(world: AppContext) -> None:
    participant_id = add_participant(world, code_word=None)
    with world.db.unit_of_work() as session:
        prefs = preferences_of(get_participant_row(session, participant_id))
    assert not code_word_due_for_rotation(prefs, world.policy, date(2030, 1, 1))


def test_normalizing_keeps_inner_spaces_and_drops_outer_ones() -> None:
    assert normalize_code_word("  Blue Bird \n") == "blue bird"
