"""The participant card in words: may I call now, what was agreed, what is pending.

Pure: built from what the services answer (the participant's record as
``show_participant`` shows it, the gate's preview ``Decision``, the advocate's
pending call-backs) and the page's ``t``. The card never holds a phone number, the
code word or the cover reason's text: the record it is built from has none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.callbacks.agenda import PendingCallback
from gateway.domain.decision import Decision
from gateway.domain.windows import parse_window_spec
from gateway.people.discussions import Discussion
from gateway.web.pages import rule_words
from gateway.web.pages.catalogue import Translator
from gateway.web.pages.when import moment, window


@dataclass(frozen=True)
class Rule:
    """One agreed rule in words; ``default`` when it is the agency's, not yet discussed."""

    text: str
    default: bool = False
    #: "Discussed with <name> on <date>" once an admin recorded it from the participant form.
    discussed: str | None = None


@dataclass(frozen=True)
class NextSafeTime:
    """When it is next safe to call, on both clocks; ``text`` when no time is known."""

    theirs: str | None
    yours: str | None
    text: str | None = None
    #: Other reasons (a lock, a missing number) that must be dealt with even then.
    and_then: str | None = None


@dataclass(frozen=True)
class CallReadiness:
    allowed: bool
    reasons: tuple[str, ...]
    next_safe_time: NextSafeTime | None


@dataclass(frozen=True)
class CallbackLine:
    id: str
    participant_id: str
    alias: str
    due: str
    attempt: str


@dataclass(frozen=True)
class Card:
    participant_id: str
    alias: str
    zone: str
    readiness: CallReadiness
    windows: tuple[str, ...]
    pause_until: str | None
    voicemail: Rule
    voicemail_extras: tuple[str, ...]
    on_drop: Rule
    caller_id: Rule
    fallback: str
    if_other_answers: Rule
    cover_reason_on_file: bool
    code_word_on_file: bool
    rotation_due: bool
    callbacks: tuple[CallbackLine, ...]
    windows_discussed: str | None = None


#: Refusals about when to call: the next safe time answers them.
TIMING = frozenset({"outside-window", "paused", "no-window", "time-zone-unknown"})


def next_safe_time(t: Translator, decision: Decision, *, participant_zone: str,
                   advocate_zone: str) -> NextSafeTime | None:
    """None when the call is allowed; else the time on both clocks, or why none is known."""
    if decision.allowed:
        return None
    codes = {reason.code for reason in decision.reasons}
    and_then = t("card.next_safe_time_and_then") if codes - TIMING else None
    if decision.next_safe_time is not None:
        return NextSafeTime(moment(t, decision.next_safe_time, participant_zone),
                            moment(t, decision.next_safe_time, advocate_zone),
                            and_then=and_then)
    if codes & TIMING:
        return NextSafeTime(None, None, t("card.next_safe_time_unknown"), and_then)
    return NextSafeTime(None, None, t("card.next_safe_time_after_fix"))


def callback_line(t: Translator, item: PendingCallback, advocate_zone: str) -> CallbackLine:
    return CallbackLine(item.id, item.participant_id, item.alias,
                        moment(t, item.run_at, advocate_zone),
                        t("callbacks.attempt", attempt=item.attempt, of=item.max_attempts))


def discussed_line(t: Translator, discussion: Discussion | None) -> str | None:
    """Who recorded a preference and on what day (UTC), or None."""
    if discussion is None:
        return None
    day = f"{discussion.at:%Y-%m-%d}"
    if discussion.by is None:
        return t("admin_participants.recorded_by_command", date=day)
    return t("admin_participants.discussed", name=discussion.by, date=day)


def build_card(t: Translator, view: Mapping[str, Any], decision: Decision, *,
               advocate_zone: str, rotation_due: bool,
               callbacks: Sequence[PendingCallback],
               discussions: Mapping[str, Discussion] | None = None) -> Card:
    """The card for ``view`` (``show_participant``'s record) and the preview ``decision``;
    ``discussions``: who recorded each preference (``gateway.people.discussions``)."""
    talked = discussions or {}

    def _rule(name: str, words: str) -> Rule:
        return Rule(words, default="note" in view[name],
                    discussed=discussed_line(t, talked.get(name)))

    zone = str(view["timezone"])
    mode = str(view["caller_id"]["value"])
    pause = view.get("pause_until")
    readiness = CallReadiness(
        allowed=decision.allowed,
        reasons=tuple(rule_words.reason(t, r, mode=mode, pause_until=pause)
                      for r in decision.reasons),
        next_safe_time=next_safe_time(t, decision, participant_zone=zone,
                                      advocate_zone=advocate_zone))
    return Card(
        participant_id=str(view["id"]), alias=str(view["alias"]), zone=zone,
        readiness=readiness,
        windows=tuple(window(t, w) for spec in view["windows"] for w in parse_window_spec(spec)),
        pause_until=pause,
        voicemail=_rule("voicemail", rule_words.voicemail(t, view["voicemail"]["value"])),
        voicemail_extras=rule_words.voicemail_extras(t, view),
        on_drop=_rule("on_drop", rule_words.on_drop(t, view["on_drop"])),
        caller_id=_rule("caller_id", rule_words.caller_id(t, mode)),
        fallback=rule_words.fallback(t, bool(view["masked_fallback"]), mode),
        if_other_answers=_rule("if_other_answers",
                               rule_words.if_other_answers(t, view["if_other_answers"]["value"])),
        cover_reason_on_file=bool(view["cover_reason_on_file"]),
        code_word_on_file=bool(view["code_word_on_file"]),
        rotation_due=rotation_due,
        callbacks=tuple(callback_line(t, item, advocate_zone) for item in callbacks),
        windows_discussed=discussed_line(t, talked.get("windows")),
    )
