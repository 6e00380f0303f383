"""The voicemail linter enforces practice-guide rule 2 on the text a machine will record."""

from __future__ import annotations

import pytest

from gateway.prompts import LintProblem, PromptError, check_script, lint_script

GOOD = "Hi, this is Maria, returning your call. You can call me back weekdays after ten. Thanks."
ORGS = ["Safe Haven Society", "بيت الأمان"]


def _codes(text: str, *, language: str = "en", name: str = "Maria",
           allow_organisation: bool = False, allow_number: bool = False) -> list[str]:
    problems = lint_script(text, language=language, advocate_name=name, organisation_names=ORGS,
                           allow_organisation=allow_organisation, allow_number=allow_number)
    return [p.code for p in problems]


def test_a_vague_but_recognisable_message_passes() -> None:
    assert _codes(GOOD) == []


@pytest.mark.parametrize("text", [
    "Hi, this is Maria from Safe Haven Society, returning your call.",
    "Hi, this is Maria from SAFE HAVEN society, returning your call.",
    "Hi, this is Maria from Safe\u200b Haven  Society, returning your call.",
    "Hi, this is Maria from Safe-Haven Society, returning your call.",
])
def test_naming_the_organisation_fails_in_any_case_or_spacing(text: str) -> None:
    assert _codes(text) == ["names-organisation"]


@pytest.mark.parametrize("text", [
    "مرحباً، معك Maria من بيت الأمان، أتصل بك ردّاً على مكالمتك.",
    "مرحباً، معك Maria من بيت الامان، أتصل بك ردّاً على مكالمتك.",  # no hamza
    "مرحباً، معك Maria من وبيت الأمان، أتصل بك ردّاً على مكالمتك.",  # attached "and"
])
def test_naming_an_arabic_script_organisation_fails(text: str) -> None:
    assert _codes(text, language="ar") == ["names-organisation"]


def test_naming_the_organisation_passes_when_the_participant_agreed() -> None:
    text = "Hi, this is Maria from Safe Haven Society, returning your call."
    assert _codes(text, allow_organisation=True) == []


def test_an_organisation_name_only_matches_whole_words() -> None:
    orgs = ["Haven"]
    problems = lint_script("Hi, this is Maria, returning your call. Havens are nice.",
                           language="en", advocate_name="Maria", organisation_names=orgs,
                           allow_organisation=False, allow_number=False)
    assert problems == []


PHONES = [
    "+1 202-555-0143",
    "(202) 555 0143",
    "202.555.0143",
    "555-0143",
    "\u0662\u0660\u0662\u0665\u0665\u0665\u0660\u0661\u0664\u0663",  # Arabic-Indic
    "\u06f2\u06f0\u06f2 \u06f5\u06f5\u06f5 \u06f0\u06f1\u06f4\u06f3",  # Persian digits
    "\u0968\u0966\u0968 \u096b\u096b\u096b \u0966\u0967\u096a\u0969",  # Devanagari
    "\uff12\uff10\uff12\uff15\uff15\uff15\uff10\uff11\uff14\uff13",  # full-width
]


@pytest.mark.parametrize("number", PHONES)
def test_a_phone_number_in_any_format_or_script_fails(number: str) -> None:
    assert _codes(f"{GOOD} Or try {number}.") == ["contains-number"]


@pytest.mark.parametrize("number", PHONES)
def test_a_phone_number_passes_when_the_participant_agreed(number: str) -> None:
    assert _codes(f"{GOOD} Or try {number}.", allow_number=True) == []


def test_times_and_short_numbers_are_not_phone_numbers() -> None:
    assert _codes("Hi, this is Maria, returning your call. Call me back 10 to 4, room 12.") == []


def test_a_message_without_the_advocates_name_fails() -> None:
    assert _codes("Hi, returning your call. You can call me back after ten.") == ["no-name"]


@pytest.mark.parametrize(("name", "language", "text"), [
    ("سارة", "ar", "مرحباً، معك ساره، أتصل بك ردا على مكالمتك."),
    ("प्रिया", "hi", "नमस्ते, मेरा नाम प्रिया है। मैंने आपकी कॉल के जवाब में फ़ोन किया है।"),
])
def test_a_non_latin_name_is_found(name: str, language: str, text: str) -> None:
    assert _codes(text, language=language, name=name) == []


def test_a_name_inside_another_word_is_not_the_name() -> None:
    assert _codes("Hi, this is Marianne, returning your call.", name="Maria") == ["no-name"]


def test_call_me_back_alone_is_too_vague() -> None:
    assert _codes("Hi, this is Maria. Call me back.") == ["no-reason"]


def test_the_reason_rule_uses_the_messages_language() -> None:
    french = "Bonjour, ici Maria, je vous rappelle suite à votre appel."
    assert _codes(french, language="fr") == []
    assert _codes(french, language="es") == ["no-reason"]


@pytest.mark.parametrize("text", ["", "   \n", "\u200b\u200e"])
def test_an_empty_message_fails(text: str) -> None:
    assert _codes(text) == ["empty"]


def test_problem_messages_never_quote_the_number() -> None:
    text = "Call me back at +1 202-555-0143, Safe Haven Society."
    problems = lint_script(text, language="en", advocate_name="Maria", organisation_names=ORGS,
                           allow_organisation=False, allow_number=False)
    assert {p.code for p in problems} == {"contains-number", "names-organisation", "no-name",
                                          "no-reason"}
    for problem in problems:
        assert isinstance(problem, LintProblem)
        assert not any(ch.isdigit() for ch in problem.message)


def test_check_script_raises_with_every_problem() -> None:
    with pytest.raises(PromptError) as caught:
        check_script("Call me back on 202 555 0143.", language="en", advocate_name="Maria",
                     organisation_names=ORGS, allow_organisation=False, allow_number=False)
    assert caught.value.details["problems"] == "contains-number,no-name,no-reason"
    assert "0143" not in caught.value.message
    assert "555" not in str(caught.value)


def test_check_script_accepts_a_good_message() -> None:
    check_script(GOOD, language="en", advocate_name="Maria", organisation_names=ORGS,
                 allow_organisation=False, allow_number=False)
