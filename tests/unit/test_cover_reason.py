"""The agreed cover reason for calling: linted like a voicemail, encrypted, told to the advocate.

If someone other than the participant answers, the advocate needs a believable,
agreed reason for the call. Whoever answers may hear it, so it never names the
organisation and never holds a number; it is a secret at rest like a code word.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gateway.calls import gate as gate_module
from gateway.domain.policy import AdvocatesSee, AgencyPolicy
from gateway.domain.preferences import DropProtocolKind, DropRule, VoicemailRule
from gateway.errors import BadInput
from gateway.people import service as people
from gateway.people.rotation import reencrypt_all
from gateway.prompts import briefing_values
from gateway.wiring import AppContext
from tests.support.canary import pass_selftest
from tests.support.world import add_advocate, add_participant, changes, make_world

REASON = "about the library books you reserved"
ALWAYS = ["mon-sun 00:00-24:00"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    ctx.policy = AgencyPolicy(organisation_names=("Safe Harbour Society",),
                              advocates_see=AdvocatesSee.ALL)
    pass_selftest(ctx)
    yield ctx
    ctx.close()


def _card(world: AppContext, participant_id: str) -> dict[str, Any]:
    with world.db.unit_of_work() as session:
        return people.show_participant(session, policy=world.policy,
                                       participant_id=participant_id)


@pytest.mark.parametrize(("reason", "problem"), [
    ("a call from the safe harbour society", "organisation"),
    ("please call 202 555 0123 back", "number"),
])
def test_a_cover_reason_that_could_give_the_participant_away_is_refused(
    world: AppContext, reason: str, problem: str
) -> None:
    with pytest.raises(BadInput, match=rf"cover_reason: .*{problem}"):
        add_participant(world, windows=ALWAYS, cover_reason=reason)
    with world.db.unit_of_work() as session:
        assert people.list_participants(session, policy=world.policy) == [], "nothing changed"


def test_a_cover_reason_is_kept_encrypted_and_the_card_only_says_one_is_on_file(
    world: AppContext, tmp_path: Path
) -> None:
    participant_id = add_participant(world, windows=ALWAYS, cover_reason=REASON)
    assert _card(world, participant_id)["cover_reason_on_file"] is True
    stored = (tmp_path / "safedial.db").read_bytes()
    assert b"library books" not in stored
    with world.db.unit_of_work() as session:
        assert people.participant_cover_reason(
            session, keys=world.keys, participant_id=participant_id) == REASON


def test_a_cover_reason_can_be_removed(world: AppContext) -> None:
    participant_id = add_participant(world, windows=ALWAYS, cover_reason=REASON)
    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="test",
                                  participant_id=participant_id,
                                  fields=changes({"cover_reason": None}),
                                  callbacks=world.callbacks())
    assert _card(world, participant_id)["cover_reason_on_file"] is False


def test_key_rotation_re_encrypts_the_cover_reason(world: AppContext) -> None:
    participant_id = add_participant(world, windows=ALWAYS, cover_reason=REASON)
    rotated = world.keys.rotate(world.settings.key_file)
    with world.db.unit_of_work() as session:
        reencrypt_all(session, keys=rotated, actor="test")
    with world.db.unit_of_work() as session:
        row = people.get_participant_row(session, participant_id)
        assert not rotated.needs_reencrypt((row.cover_reason_enc or "").encode("ascii"))
        assert people.participant_cover_reason(
            session, keys=rotated, participant_id=participant_id) == REASON


def test_the_briefing_tells_the_advocate_the_reason_before_the_keys() -> None:
    values = briefing_values("Rose", VoicemailRule.parse("none"),
                             DropRule(DropProtocolKind.WAIT), False, "en",
                             cover_reason=REASON, other_person_pause_days=7)
    assert values["other_person_note"] == (
        f"If someone else answers, say the agreed reason for calling: {REASON}; "
        "then press star 7, and calls pause for 7 days")


def test_the_gate_speaks_the_decrypted_reason_in_this_calls_briefing_only(
    world: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    participant_id = add_participant(world, windows=ALWAYS, cover_reason=REASON)
    advocate_id = add_advocate(world)
    handed: list[str | None] = []
    real = gate_module.prepare_call_audio

    def capture(**kwargs: Any) -> Any:
        handed.append(kwargs.get("cover_reason"))
        return real(**kwargs)

    monkeypatch.setattr(gate_module, "prepare_call_audio", capture)
    gate = replace(world.gate(), verify_pbx_safe=lambda: None)
    gate.prepare(participant_id=participant_id, advocate_id=advocate_id, actor="test")
    assert handed == [REASON]
