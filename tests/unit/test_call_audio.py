"""The voicemail a call would leave: only what the participant agreed to, and linted."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.callerid import CallerIdMode
from gateway.calls.prompting import prepare_call_audio
from gateway.domain.decision import DialSettings
from gateway.domain.policy import AgencyPolicy
from gateway.domain.preferences import (
    AdvocateFacts,
    DropProtocolKind,
    DropRule,
    ParticipantFacts,
    Preferences,
    VoicemailRule,
)
from gateway.prompts import PromptError, audio_stats
from tests.support.numbers import MASKED

POLICY = AgencyPolicy(organisation_names=("Safe Harbour Society",))
ADVOCATE = AdvocateFacts(advocate_id="a_1", display_name="Sam")
#: Stands in for the key file's prompt cache key.
KEY = b"k" * 32


def prompts_with(tmp_path: Path, script: str) -> Path:
    base = tmp_path / "prompts"
    shipped = Path(__file__).resolve().parents[2] / "prompts"
    import shutil

    shutil.copytree(shipped, base)
    (base / "en" / "scripts" / "named.txt").write_text(script)
    return base


def dial(rule: str) -> DialSettings:
    return DialSettings(mode=CallerIdMode.WITHHOLD, masked_fallback=False,
                        voicemail=VoicemailRule.parse(rule),
                        on_drop=DropRule(DropProtocolKind.WAIT))


def participant(**agreed: bool) -> ParticipantFacts:
    return ParticipantFacts(participant_id="p_1", alias="Rose",
                            preferences=Preferences(timezone="UTC", **agreed))


SCRIPT = ("Hi, this is {advocate_name} from {organisation}, returning your call. "
          "Call me back on {callback_number}, {callback_hours}.\n")


def test_a_script_naming_the_organisation_is_refused_unless_agreed(
    tmp_path: Path,
) -> None:
    with pytest.raises(PromptError):
        prepare_call_audio(folder=tmp_path / "call", cache=tmp_path / "cache",
                           prompts=prompts_with(tmp_path, SCRIPT),
                           participant=participant(), advocate=ADVOCATE,
                           dial=dial("script:named"), policy=POLICY, callback_number=MASKED,
                           cache_key=KEY)


def test_with_agreement_the_script_names_the_organisation_and_the_masked_number(
    tmp_path: Path,
) -> None:
    audio = prepare_call_audio(
        folder=tmp_path / "call", cache=tmp_path / "cache", prompts=prompts_with(tmp_path, SCRIPT),
        participant=participant(voicemail_may_name_organisation=True,
                                voicemail_may_include_number=True),
        advocate=ADVOCATE, dial=dial("script:named"), policy=POLICY, callback_number=MASKED,
        cache_key=KEY)
    assert audio.voicemail is not None
    stats = audio_stats(audio.voicemail.with_suffix(".wav"))
    assert stats.sample_rate == 8000 and stats.duration_s > 2


def test_voicemail_none_renders_no_voicemail_but_still_briefs_the_advocate(
    tmp_path: Path,
) -> None:
    audio = prepare_call_audio(folder=tmp_path / "call", cache=tmp_path / "cache",
                               participant=participant(), advocate=ADVOCATE, dial=dial("none"),
                               policy=POLICY, callback_number=MASKED, cache_key=KEY)
    assert audio.voicemail is None
    assert audio_stats(audio.briefing.with_suffix(".wav")).duration_s > 2
    names = {path.name for path in audio.folder.iterdir()}
    assert names == {"briefing.wav", "not-reached.wav", "voicemail-left.wav",
                     "voicemail-not-left.wav"}


def test_nothing_that_speaks_the_alias_is_left_in_the_shared_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    audio = prepare_call_audio(folder=tmp_path / "call", cache=cache,
                               participant=participant(), advocate=ADVOCATE, dial=dial("none"),
                               policy=POLICY, callback_number=MASKED, cache_key=KEY)
    assert not cache.exists() or list(cache.iterdir()) == [], \
        "the briefing and notices speak the alias: only the call's folder holds them"
    assert {path.name for path in audio.folder.iterdir()} == {
        "briefing.wav", "not-reached.wav", "voicemail-left.wav", "voicemail-not-left.wav"}


def test_the_voicemail_with_no_personal_data_is_still_cached_for_the_next_call(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    prepare_call_audio(folder=tmp_path / "call", cache=cache, participant=participant(),
                       advocate=ADVOCATE, dial=dial("generic"), policy=POLICY,
                       callback_number=MASKED, cache_key=KEY)
    assert len([path for path in cache.iterdir() if path.suffix == ".wav"]) == 1
