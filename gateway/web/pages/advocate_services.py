"""What the advocates' pages ask of SafeDial: one function per page action.

Each takes the app context and the signed-in ``WebUser`` and calls the same services
the JSON API calls, held to the same caseload scope (``[access] advocates_see``): a
participant outside it is "not found", exactly like an id that does not exist. The
page routes only parse, call one of these, and render.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway.callbacks.agenda import PendingCallback, pending_for_advocate
from gateway.domain.code_word import code_word_due_for_rotation
from gateway.domain.decision import Decision
from gateway.domain.windows import zone_or_none
from gateway.people import code_word, discussions
from gateway.people import service as people
from gateway.people.caseload import Scope, scope_for
from gateway.people.discussions import Discussion
from gateway.people.records import get_participant_row, preferences_of
from gateway.web_auth.sessions import WebUser
from gateway.wiring import AppContext


@dataclass(frozen=True)
class CardFacts:
    """What the participant card shows, as the services answered it."""

    view: dict[str, Any]
    decision: Decision
    rotation_due: bool
    callbacks: list[PendingCallback]
    #: Who recorded each preference with the participant, and when.
    discussions: Mapping[str, Discussion] = field(default_factory=dict)


def scope_of(ctx: AppContext, user: WebUser) -> Scope:
    return scope_for(ctx.policy, advocate_id=user.advocate_id, role=user.role)


def search(ctx: AppContext, user: WebUser, alias: str) -> list[dict[str, Any]]:
    """Participants whose alias contains ``alias``, among those the user may see."""
    with ctx.db.unit_of_work() as session:
        return people.list_participants(session, policy=ctx.policy, alias=alias,
                                        scope=scope_of(ctx, user))


def card_facts(ctx: AppContext, user: WebUser, participant_id: str, *,
               decision: Decision | None = None) -> CardFacts:
    """The record, the gate's preview of a call from the user's phone now (or the
    ``decision`` just taken), whether the code word is due for rotation, and the
    user's pending call-backs to this participant."""
    scope = scope_of(ctx, user)
    with ctx.db.unit_of_work() as session:
        view = people.show_participant(session, policy=ctx.policy,
                                       participant_id=participant_id, scope=scope)
        prefs = preferences_of(get_participant_row(session, participant_id))
        talked = discussions.discussions_of(session, participant_id)
    today = datetime.now(zone_or_none(user.advocate.timezone) or ZoneInfo("UTC")).date()
    if decision is None:
        decision = ctx.gate().preview(participant_id=participant_id,
                                      advocate_id=user.advocate_id, actor=user.advocate_id)
    return CardFacts(
        view=view, decision=decision,
        rotation_due=code_word_due_for_rotation(prefs, ctx.policy, today),
        callbacks=pending_for_advocate(ctx.db, advocate_id=user.advocate_id, scope=scope,
                                       participant_id=participant_id),
        discussions=talked)


def check_code_word(ctx: AppContext, user: WebUser, participant_id: str, spoken: str) -> bool:
    """Match or no match (throttled and audited by the service; never the word)."""
    with ctx.db.unit_of_work() as session:
        return code_word.check_code_word(session, keys=ctx.keys, policy=ctx.policy,
                                         advocate_id=user.advocate_id,
                                         participant_id=participant_id, spoken=spoken,
                                         now=datetime.now(UTC))


async def start_call(ctx: AppContext, user: WebUser, participant_id: str) -> str:
    """Decide (with the PBX check) and, if allowed, place the call from the user's own
    phone in the background; returns its id. ``CallRefused`` when the policy says no."""
    gate = ctx.gate()
    advocate_id = user.advocate_id
    prepared = await asyncio.to_thread(gate.prepare, participant_id=participant_id,
                                       advocate_id=advocate_id, actor=advocate_id,
                                       check_pbx=True)
    ctx.call_book.run(prepared.call_id, lambda on_stage: gate.run(
        prepared, participant_id=participant_id, advocate_id=advocate_id, actor=advocate_id,
        on_stage=on_stage), advocate_id=advocate_id, participant_id=participant_id)
    return prepared.call_id


def pending_callbacks(ctx: AppContext, user: WebUser) -> list[PendingCallback]:
    return pending_for_advocate(ctx.db, advocate_id=user.advocate_id, scope=scope_of(ctx, user))


def cancel_callback(ctx: AppContext, user: WebUser, callback_id: str) -> None:
    """Cancel one of the user's own pending call-backs (audited by the service)."""
    ctx.callbacks().cancel(callback_id=callback_id, actor=user.advocate_id,
                           advocate_id=user.advocate_id, scope=scope_of(ctx, user))
