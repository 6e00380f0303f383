"""Prompt templates: every language has every prompt, fallback, and rule-2-safe rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.domain.preferences import DropProtocolKind, DropRule, VoicemailRule
from gateway.prompts import (
    KINDS,
    SHIPPED_PROMPTS,
    PromptError,
    Template,
    available_scripts,
    briefing_values,
    lint_script,
    load_template,
    render_text,
    voicemail_template,
)
from gateway.settings import load_settings

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"
LANGUAGES = ["en", "fr", "es", "ar", "hi"]
ORGS = ["Safe Haven Society", "Maison Refuge", "بيت الأمان", "सुरक्षित घर"]
SAMPLE = {  # language: (advocate name, call-back hours)
    "en": ("Maria", "on weekdays between ten and four"),
    "fr": ("Maria", "du lundi au vendredi, entre 10 h et 16 h"),
    "es": ("María", "de lunes a viernes, de 10 a 16 h"),
    "ar": ("سارة", "من الأحد إلى الخميس، بين العاشرة صباحاً والرابعة عصراً"),
    "hi": ("प्रिया", "सोमवार से शुक्रवार, सुबह 10 बजे से शाम 4 बजे तक"),
}
CALLBACK = DropRule(DropProtocolKind.CALLBACK, callback_delay_min=15, callback_attempts=3)
WAIT = DropRule(DropProtocolKind.WAIT)


def _values(language: str) -> dict[str, str]:
    name, hours = SAMPLE[language]
    return {"advocate_name": name, "callback_hours": hours}


def _write(base: Path, relative: str, text: str) -> None:
    path = base / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_default_prompts_dir_is_the_repositorys() -> None:
    assert load_settings({}).prompts_dir == SHIPPED == SHIPPED_PROMPTS


def test_safedial_prompts_dir_overrides_it(tmp_path: Path) -> None:
    assert load_settings({"SAFEDIAL_PROMPTS_DIR": str(tmp_path)}).prompts_dir == tmp_path


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(KINDS - {"script"}))
def test_every_language_has_every_kind(language: str, kind: str) -> None:
    template = load_template(kind, language, base=SHIPPED)
    assert template.language == language
    assert not template.text.startswith("#")
    text = render_text(template, dict.fromkeys(template.fields, "Rose"))
    assert "Rose" in text or not template.fields
    assert "{" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_reason_phrases_and_briefing_phrases(language: str) -> None:
    assert (SHIPPED / language / "reason-phrases.txt").is_file()
    values = briefing_values("Rose", VoicemailRule.parse("generic"), WAIT, False, language,
                             base=SHIPPED)
    assert set(values) == {"alias", "voicemail_rule", "drop_rule", "code_word_note",
                           "other_person_note"}


@pytest.mark.parametrize(("asked", "used"), [("pa-Guru", "pa"), ("pa", "pa"), ("pa_Guru", "pa"),
                                             ("de-AT", "en"), ("fr-CA", "fr")])
def test_a_language_falls_back_to_its_primary_subtag_then_english(
    tmp_path: Path, asked: str, used: str
) -> None:
    for lang in ("en", "fr", "pa"):
        _write(tmp_path, f"{lang}/generic.txt", f"{lang}: {{advocate_name}}")
    template = load_template("generic", asked, base=tmp_path)
    assert template.language == used
    assert template.text == f"{used}: {{advocate_name}}"


def test_the_exact_tag_wins_over_the_primary_subtag(tmp_path: Path) -> None:
    _write(tmp_path, "pa/generic.txt", "pa {advocate_name}")
    _write(tmp_path, "pa-Guru/generic.txt", "Guru {advocate_name}")
    assert load_template("generic", "pa-Guru", base=tmp_path).language == "pa-Guru"


def test_shipped_prompts_fall_back_to_english_for_an_unshipped_language() -> None:
    assert load_template("generic", "pa-Guru", base=SHIPPED).language == "en"


@pytest.mark.parametrize("language", ["../en", "en/../../etc", "", "e"])
def test_a_language_that_is_not_a_tag_is_refused(language: str) -> None:
    with pytest.raises(PromptError):
        load_template("generic", language, base=SHIPPED)


def test_an_unknown_script_names_itself_and_lists_the_available_ones() -> None:
    with pytest.raises(PromptError) as caught:
        load_template("script", "fr", "dentist", base=SHIPPED)
    message = caught.value.message
    assert "dentist" in message
    assert "fr" in message
    assert "appointment" in message


def test_a_script_name_cannot_leave_the_scripts_folder() -> None:
    with pytest.raises(PromptError):
        load_template("script", "en", "../generic", base=SHIPPED)


def test_the_voicemail_rule_picks_the_template() -> None:
    assert voicemail_template(VoicemailRule.parse("none"), "en", SHIPPED) is None
    generic = voicemail_template(VoicemailRule.parse("generic"), "ar", SHIPPED)
    assert generic is not None and (generic.kind, generic.language) == ("generic", "ar")
    script = voicemail_template(VoicemailRule.parse("script:appointment"), "fr", SHIPPED)
    assert script is not None and (script.name, script.language) == ("appointment", "en")
    assert script.prompt_name == "script-appointment"
    assert available_scripts("en", SHIPPED) == ["appointment"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["سارة", "प्रिया", "Zoë O'Neil"])
def test_the_generic_message_says_the_advocates_name_in_any_script(language: str,
                                                                    name: str) -> None:
    text = render_text(load_template("generic", language, base=SHIPPED),
                       {"advocate_name": name, "callback_hours": SAMPLE[language][1]})
    assert name in text
    assert SAMPLE[language][1] in text
    assert "{" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_shipped_generic_message_passes_the_linter(language: str) -> None:
    template = load_template("generic", language, base=SHIPPED)
    text = render_text(template, _values(language))
    problems = lint_script(text, language=language, advocate_name=SAMPLE[language][0],
                           organisation_names=ORGS, allow_organisation=False,
                           allow_number=False, base=SHIPPED)
    assert problems == []


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*/scripts/*.txt")), ids=lambda p: p.stem)
def test_every_shipped_script_passes_the_linter(path: Path) -> None:
    language = path.parent.parent.name
    template = load_template("script", language, path.stem, base=SHIPPED)
    text = render_text(template, _values(language))
    assert lint_script(text, language=language, advocate_name=SAMPLE[language][0],
                       organisation_names=ORGS, allow_organisation=False, allow_number=False,
                       base=SHIPPED) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_shipped_voicemail_needs_the_organisation_or_a_number(language: str) -> None:
    for template in _voicemail_templates(language):
        assert template.fields <= {"advocate_name", "callback_hours"}, template.path


def _voicemail_templates(language: str) -> list[Template]:
    names = [p.stem for p in (SHIPPED / language / "scripts").glob("*.txt")]
    return [load_template("generic", language, base=SHIPPED)] + [
        load_template("script", language, n, base=SHIPPED) for n in names]


@pytest.fixture
def agreed_only(tmp_path: Path) -> Path:
    _write(tmp_path, "en/scripts/named.txt",
           "# only for participants who agreed\n"
           "Hi, this is {advocate_name} from {organisation}, returning your call.")
    _write(tmp_path, "en/scripts/numbered.txt",
           "Hi, this is {advocate_name}, returning your call, on {callback_number}.")
    return tmp_path


def test_a_script_naming_the_organisation_refuses_unless_allowed(agreed_only: Path) -> None:
    template = load_template("script", "en", "named", base=agreed_only)
    values = {"advocate_name": "Maria", "organisation": "Safe Haven"}
    with pytest.raises(PromptError, match="organisation"):
        render_text(template, values)
    assert render_text(template, values, allow_organisation=True) == (
        "Hi, this is Maria from Safe Haven, returning your call.")


def test_a_script_saying_a_number_refuses_unless_allowed(agreed_only: Path) -> None:
    template = load_template("script", "en", "numbered", base=agreed_only)
    values = {"advocate_name": "Maria", "callback_number": "the usual number"}
    with pytest.raises(PromptError, match="number"):
        render_text(template, values, allow_organisation=True)
    assert "the usual number" in render_text(template, values, allow_number=True)


def test_a_missing_value_is_refused_by_name() -> None:
    template = load_template("generic", "en", base=SHIPPED)
    with pytest.raises(PromptError, match="callback_hours"):
        render_text(template, {"advocate_name": "Maria"})
    with pytest.raises(PromptError, match="advocate_name"):
        render_text(template, {"advocate_name": " \n", "callback_hours": "after ten"})


def test_values_lose_control_characters_and_are_nfc() -> None:
    template = load_template("generic", "en", base=SHIPPED)
    text = render_text(template, {"advocate_name": "Zoe\u0308\x00\n\u202eX",
                                  "callback_hours": "after\tten"})
    assert "Zo\u00eb X," in text
    assert "after ten" in text
    assert not any(ch in text for ch in "\x00\t\u202e")


@pytest.mark.parametrize("body", ["{0}", "{advocate_name.__class__}", "{advocate_name!r}",
                                  "{advocate_name:>9999}", "{organisaton}", "{advocate_name"])
def test_a_template_with_unsafe_or_unknown_fields_is_refused_on_load(tmp_path: Path,
                                                                     body: str) -> None:
    _write(tmp_path, "en/generic.txt", f"Hi, this is {body}.")
    with pytest.raises(PromptError, match=r"en/generic\.txt"):
        load_template("generic", "en", base=tmp_path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_briefing_tells_the_advocate_every_rule_in_their_language(language: str) -> None:
    values = briefing_values("Rose", VoicemailRule.parse("script:appointment"), CALLBACK, True,
                             language, base=SHIPPED)
    text = render_text(load_template("briefing", language, base=SHIPPED), values)
    assert "Rose" in text and "appointment" in text
    assert "15" in values["drop_rule"] and "3" in values["drop_rule"]
    other = briefing_values("Rose", VoicemailRule.parse("none"), WAIT, False, language,
                            base=SHIPPED)
    assert all(other[k] != values[k] for k in ("voicemail_rule", "drop_rule", "code_word_note"))


def test_the_english_briefing_reads_plainly() -> None:
    values = briefing_values("Rose", VoicemailRule.parse("generic"), CALLBACK, True, "en",
                             base=SHIPPED)
    assert values == {
        "alias": "Rose",
        "voicemail_rule": "the generic message",
        "drop_rule": "If the call drops, we call back in 15 minutes, up to 3 times",
        "code_word_note": "A code word is on file: ask for it",
        "other_person_note": "If someone else answers, press star 7",
    }
    text = render_text(load_template("briefing", "en", base=SHIPPED), values)
    assert "we leave the generic message." in text
    assert text.endswith("If someone else answers, press star 7.")


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar", "hi"])
def test_the_briefing_names_the_other_person_keys_and_the_agreed_pause(language: str) -> None:
    values = briefing_values("Rose", VoicemailRule.parse("none"), WAIT, False, language,
                             base=SHIPPED, other_person_keys="#9", other_person_pause_days=14)
    note = values["other_person_note"]
    assert "9" in note and "14" in note
    text = render_text(load_template("briefing", language, base=SHIPPED), values)
    assert note in text


def test_the_keys_are_spoken_as_words() -> None:
    values = briefing_values("Rose", VoicemailRule.parse("none"), WAIT, False, "en",
                             base=SHIPPED, other_person_keys="*#1")
    assert values["other_person_note"] == "If someone else answers, press star hash 1"


def test_a_rule_not_yet_discussed_is_said_to_be_the_default() -> None:
    values = briefing_values("Rose", VoicemailRule.parse("generic"), WAIT, False, "en",
                             base=SHIPPED, voicemail_default=True, drop_default=True)
    assert values["voicemail_rule"] == "the generic message (default, not yet discussed)"
    assert values["drop_rule"].endswith("(default, not yet discussed)")
    assert values["code_word_note"] == "No code word on file"


def test_a_callback_without_its_own_numbers_uses_the_agency_limits() -> None:
    values = briefing_values("Rose", VoicemailRule.parse("none"),
                             DropRule(DropProtocolKind.CALLBACK), False, "en", base=SHIPPED)
    assert values["drop_rule"] == "If the call drops, we call back in 15 minutes, up to 3 times"
    once = briefing_values("Rose", VoicemailRule.parse("none"),
                           DropRule(DropProtocolKind.CALLBACK, 10, 1), False, "en", base=SHIPPED)
    assert once["drop_rule"] == "If the call drops, we call back once, in 10 minutes"
