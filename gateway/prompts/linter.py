"""The voicemail linter: practice-guide rule 2 checked on the text a machine will hear.

It runs on the rendered text (fields filled), because that is what a housemate or an
abuser may play back. Rules, each with a stable code:

- ``empty``: nothing to say.
- ``names-organisation``: an organisation name, unless the participant agreed.
- ``contains-number``: anything phone-like (seven or more digits, with spaces, dots,
  dashes, parentheses or a leading +, in any script's digits), unless agreed.
- ``no-name``: the advocate's name is missing, so the message would come from nobody.
- ``no-reason``: no phrase from ``prompts/<lang>/reason-phrases.txt`` ("returning your
  call"), so the message is vague enough to alarm ("call me back" alone).

Text is compared after folding (NFKC, case, accents, Arabic diacritics and letter
variants, invisible characters), so a different spelling of the same words still
matches. Messages are plain and never quote the number that was found.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.prompts.templates import PromptError, PromptRoots, find_language_file, read_lines

_PHONE_LIKE = re.compile(r"\d(?:[\s.()/\-\u2010-\u2015\u2212\u066b\u066c]*\d){6,}")
_DROP = re.compile(
    "[\u0300-\u036f"  # Latin combining accents (after NFKD)
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"  # Arabic marks and tatweel
    "\u093c]"  # Devanagari nukta
)
_LETTER_VARIANTS = str.maketrans({"\u0671": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647",
                                  "\u0901": "\u0902"})
# Arabic attaches و ف ب ل ك and the article ال to the next word: "وبيت الأمان".
_ARABIC_PREFIX = "[\u0648\u0641\u0628\u0644\u0643\u0627]{0,4}"


@dataclass(frozen=True)
class LintProblem:
    code: str
    message: str


def lint_script(
    text: str,
    *,
    language: str,
    advocate_name: str,
    organisation_names: Sequence[str],
    allow_organisation: bool,
    allow_number: bool,
    base: PromptRoots = None,
) -> list[LintProblem]:
    """Every problem with a rendered voicemail text; an empty list means it may be left."""
    folded = fold(text)
    if not folded:
        return [_problem("empty")]
    problems: list[LintProblem] = []
    if not allow_organisation and any(
        contains_phrase(folded, fold(org)) for org in organisation_names if fold(org)
    ):
        problems.append(_problem("names-organisation"))
    if not allow_number and has_phone_like(text):
        problems.append(_problem("contains-number"))
    name = fold(advocate_name)
    if not name or not contains_phrase(folded, name):
        problems.append(_problem("no-name"))
    reasons = reason_phrases(language, base)
    if not any(contains_phrase(folded, fold(reason)) for reason in reasons):
        example = f" such as \u201c{reasons[0]}\u201d" if reasons else ""
        problems.append(LintProblem("no-reason", _MESSAGES["no-reason"].format(example=example)))
    return problems


def lint_cover_reason(text: str, *, organisation_names: Sequence[str]) -> list[LintProblem]:
    """Problems with an agreed cover reason for calling; an empty list means it may be kept.

    Whoever answers may hear it, so it follows the voicemail rules with no
    exception: it never names the organisation and never holds a number.
    """
    folded = fold(text)
    if not folded:
        return [_problem("empty")]
    problems: list[LintProblem] = []
    if any(contains_phrase(folded, fold(org)) for org in organisation_names if fold(org)):
        problems.append(_problem("names-organisation"))
    if has_phone_like(text):
        problems.append(_problem("contains-number"))
    return problems


def check_script(
    text: str,
    *,
    language: str,
    advocate_name: str,
    organisation_names: Sequence[str],
    allow_organisation: bool,
    allow_number: bool,
    base: PromptRoots = None,
) -> None:
    """``lint_script`` for callers that want an exception: PromptError with every problem."""
    problems = lint_script(text, language=language, advocate_name=advocate_name,
                           organisation_names=organisation_names,
                           allow_organisation=allow_organisation, allow_number=allow_number,
                           base=base)
    if problems:
        raise PromptError(" ".join(p.message for p in problems),
                          problems=",".join(p.code for p in problems))


def reason_phrases(language: str, base: PromptRoots = None) -> list[str]:
    """The phrases that give a reason for the call, from ``<lang>/reason-phrases.txt``."""
    path = find_language_file("reason-phrases.txt", language, base)
    return read_lines(path) if path is not None else []


def fold(text: str) -> str:
    """Text reduced for comparison: words in one case and spelling, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    visible = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Cf")
    base = unicodedata.normalize("NFKC", _DROP.sub("", visible)).casefold()
    base = _ascii_digits(base.translate(_LETTER_VARIANTS))
    words = "".join(ch if _is_word_char(ch) else " " for ch in base)
    return " ".join(words.split())


def contains_phrase(folded_text: str, folded_phrase: str) -> bool:
    """Whole word or phrase match on folded text (Arabic prefixes allowed)."""
    prefix = _ARABIC_PREFIX if "\u0600" <= folded_phrase[:1] <= "\u06ff" else ""
    pattern = rf"(?:^| ){prefix}{re.escape(folded_phrase)}(?: |$)"
    return re.search(pattern, folded_text) is not None


def has_phone_like(text: str) -> bool:
    """Seven or more digits in a phone-like run, whatever script the digits are in."""
    visible = "".join(ch for ch in unicodedata.normalize("NFKC", text)
                      if unicodedata.category(ch) != "Cf")
    return _PHONE_LIKE.search(_ascii_digits(visible)) is not None


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")


_MESSAGES = {
    "empty": "The message is empty. Write what the participant will hear: the advocate's "
             "name, a reason such as returning their call, and when to call back.",
    "names-organisation": "The message names the organisation. Take the name out, unless "
                          "the participant agreed that messages may say it.",
    "contains-number": "The message contains a phone number, or seven or more digits that "
                       "look like one. Take it out, unless the participant agreed that "
                       "messages may say a number; write times and dates in words.",
    "no-name": "The message does not say the advocate's name. Add it ({advocate_name} in a "
               "template), so the participant knows who is calling.",
    "no-reason": "The message gives no reason for the call, and may alarm. Add a phrase"
                 "{example}.",
}


def _problem(code: str) -> LintProblem:
    return LintProblem(code, _MESSAGES[code])
