"""The audio a call needs: the advocate's briefing, the voicemail, and the notices.

Rendered per call into a folder of the PBX runtime (named by the call id, no
number anywhere), from the prompts in the participant's and the advocate's
languages. Only texts without personal data (the voicemail) go through the
shared cache; the briefing and notices speak the alias and are made in the
call's folder, removed with it. The voicemail text passes the script linter
before it becomes audio: a script that names the organisation or holds a number
without the participant's agreement, or is too vague, is refused and the call
with it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from gateway.domain.decision import DialSettings
from gateway.domain.policy import AgencyPolicy
from gateway.domain.preferences import AdvocateFacts, ParticipantFacts, VoicemailKind
from gateway.prompts import (
    briefing_values,
    check_script,
    load_template,
    prompt_audio,
    render_text,
    voicemail_template,
)
from gateway.prompts.templates import PromptRoots
from gateway.storage.private import make_private_folder

NOTICES = ("notice-not-reached", "notice-voicemail-left", "notice-voicemail-not-left")


@dataclass(frozen=True)
class CallAudio:
    """Sound paths without extension, as Asterisk's Playback wants them."""

    folder: Path
    briefing: Path
    voicemail: Path | None
    notice_dir: Path


def _place(source: Path, folder: Path, name: str) -> Path:
    target = folder / f"{name}.wav"
    shutil.copyfile(source, target)
    return target.with_suffix("")


def prepare_call_audio(
    *, folder: Path, cache: Path, participant: ParticipantFacts, advocate: AdvocateFacts,
    dial: DialSettings, policy: AgencyPolicy, defaults_used: tuple[str, ...] = (),
    cache_key: bytes, callback_number: str = "", prompts: PromptRoots = None,
    cover_reason: str | None = None,
) -> CallAudio:
    """``callback_number`` is the masked number: the only one a voicemail may ever give.

    ``cover_reason`` is the participant's agreed reason for calling (decrypted for
    this call only): spoken to the advocate in the briefing, never to the far end.

    ``prompts`` is the prompts folders (settings' ``prompt_roots``: admins' edits, then
    the prompts folder); None means the shipped one.
    ``cache_key`` names the shared cache's files (``KeyRing.prompt_cache_key``).
    """
    make_private_folder(folder)  # it will hold the alias and cover reason, spoken
    prefs = participant.preferences
    values = briefing_values(
        participant.alias, dial.voicemail, dial.on_drop, prefs.has_code_word, advocate.language,
        limits=policy.callback, voicemail_default="voicemail" in defaults_used,
        drop_default="on_drop" in defaults_used, base=prompts,
        other_person_keys=policy.other_person_keys,
        other_person_pause_days=(prefs.if_other_answers.days
                                 if prefs.if_other_answers else None),
        cover_reason=cover_reason,
    )
    briefing_template = load_template("briefing", advocate.language, base=prompts)
    briefing_text = render_text(briefing_template, {**values,
                                                    "advocate_name": advocate.display_name})
    # What the advocate hears is spoken at the policy's rate (they wait for it). It holds
    # the alias (and the cover reason): rendered inside this call's folder, never into the
    # shared cache, so it goes when the call's folder does.
    rate = policy.briefing_words_per_minute
    personal = folder / ".render"
    try:
        briefing = _place(prompt_audio("briefing", briefing_text, briefing_template.language,
                                       personal, base=prompts, name_key=cache_key,
                                       words_per_minute=rate),
                          folder, "briefing")
        for kind in NOTICES:
            template = load_template(kind, advocate.language, base=prompts)
            text = render_text(template, {"alias": participant.alias})
            _place(prompt_audio(kind, text, template.language, personal, base=prompts,
                                name_key=cache_key, words_per_minute=rate),
                   folder, kind.removeprefix("notice-"))
    finally:
        shutil.rmtree(personal, ignore_errors=True)
    voicemail = None
    if dial.voicemail.kind is not VoicemailKind.NONE:
        voicemail = _voicemail(folder, cache, cache_key, participant, advocate, dial, policy,
                               callback_number, prompts)
    return CallAudio(folder=folder, briefing=briefing, voicemail=voicemail, notice_dir=folder)


def _voicemail(folder: Path, cache: Path, cache_key: bytes, participant: ParticipantFacts,
               advocate: AdvocateFacts, dial: DialSettings, policy: AgencyPolicy,
               callback_number: str, prompts: PromptRoots) -> Path:
    language = participant.preferences.language or advocate.language
    template = voicemail_template(dial.voicemail, language, base=prompts)
    if template is None:
        raise ValueError("voicemail rule none has no template")
    prefs = participant.preferences
    values = {"advocate_name": advocate.display_name, "callback_hours": policy.callback_hours}
    if prefs.voicemail_may_name_organisation and policy.organisation_names:
        values["organisation"] = policy.organisation_names[0]
    if prefs.voicemail_may_include_number:
        values["callback_number"] = callback_number
    text = render_text(template, values,
                       allow_organisation=prefs.voicemail_may_name_organisation,
                       allow_number=prefs.voicemail_may_include_number)
    check_script(text, language=template.language, advocate_name=advocate.display_name,
                 organisation_names=policy.organisation_names,
                 allow_organisation=prefs.voicemail_may_name_organisation,
                 allow_number=prefs.voicemail_may_include_number)
    audio = prompt_audio(template.prompt_name, text, template.language, cache, base=prompts,
                         name_key=cache_key)
    return _place(audio, folder, "voicemail")


def discard_call_audio(audio: CallAudio) -> None:
    """The per-call folder holds the alias in speech: remove it when the call ends."""
    shutil.rmtree(audio.folder, ignore_errors=True)
