"""Anonymous-call rejection: which final SIP answers mean "no withheld callers here".

SIP 433 (Anonymity Disallowed) always does. Carriers also signal it as another
final status with a telling reason phrase (603 "Anonymous Call Rejection", 403
"Anonymous calls not accepted"), so the agency lists (status, text) pairs: the
text is a case-insensitive part of the reason phrase.

The rule is one regular expression built here. It is rendered into the
dialplan, which decides the masked retry on it, and Python matches the same
expression, so the two cannot disagree. Both read the tech cause ("SIP 603
Anonymous Call Rejection") reduced to letters, digits and spaces and upper-cased
(the dialplan's ``TOUPPER(FILTER(A-Za-z0-9 ,...))``). A text is letters, digits
and spaces only, so it can never carry regex or dialplan syntax. The far end's
reason phrase is only matched, never kept or repeated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: At most this many (status, text) pairs: the rendered expression stays short.
MAX_RULES = 10
#: A text: 1 to 40 letters, digits and spaces, starting and ending with a letter or digit.
TEXT_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9 ]{0,38}[A-Za-z0-9])?$"
_TEXT = re.compile(TEXT_PATTERN)
_NOT_KEPT = re.compile(r"[^A-Za-z0-9 ]")


@dataclass(frozen=True)
class AnonymousRejection:
    """A final ``status`` whose reason phrase contains ``text`` (any case) is a rejection."""

    status: int
    text: str

    def __post_init__(self) -> None:
        if isinstance(self.status, bool) or not isinstance(self.status, int) \
                or not 400 <= self.status <= 699:
            raise ValueError("an anonymous-rejection status must be a number from 400 to 699")
        if not isinstance(self.text, str) or not _TEXT.match(self.text):
            raise ValueError(
                "an anonymous-rejection text must be 1 to 40 letters, digits and spaces, "
                "starting and ending with a letter or digit"
            )


#: What policies/default.toml ships (and what a policy without the list gets).
DEFAULT_ANONYMOUS_REJECTIONS: tuple[AnonymousRejection, ...] = (
    AnonymousRejection(603, "anonym"),
    AnonymousRejection(403, "anonym"),
)


def rejection_pattern(rules: Iterable[AnonymousRejection]) -> str:
    """The rule as an expression both POSIX ERE (Asterisk's ``REGEX``) and Python read alike.

    It is matched against :func:`normalise_cause` of the tech cause.
    """
    rules = tuple(rules)
    if len(rules) > MAX_RULES:
        raise ValueError(f"at most {MAX_RULES} anonymous-rejection pairs")
    alternatives = ["433"]
    for rule in rules:
        AnonymousRejection(rule.status, rule.text)  # re-checked: this text goes into config
        alternative = f"{rule.status} .*{rule.text.upper()}"
        if alternative not in alternatives:
            alternatives.append(alternative)
    return "^SIP (" + "|".join(alternatives) + ")"


def normalise_cause(tech_cause: str | None) -> str:
    """The tech cause as the dialplan matches it: letters, digits, spaces; upper case."""
    return _NOT_KEPT.sub("", tech_cause or "").upper()


def is_anonymous_rejection(
    tech_cause: str | None, rules: Iterable[AnonymousRejection]
) -> bool:
    """Whether a participant leg's final SIP answer refused a withheld caller."""
    return re.search(rejection_pattern(rules), normalise_cause(tech_cause)) is not None
