"""Anonymous-call rejection: SIP 433 always, plus the policy's (status, reason text) pairs.

The dialplan and Python match the one expression built from the policy, on the
cause reduced to letters, digits and spaces in upper case.
"""

from __future__ import annotations

import re

import pytest

from gateway.domain.anonymity import (
    DEFAULT_ANONYMOUS_REJECTIONS,
    AnonymousRejection,
    is_anonymous_rejection,
    normalise_cause,
    rejection_pattern,
)

RULES = DEFAULT_ANONYMOUS_REJECTIONS


@pytest.mark.parametrize(
    ("tech_cause", "rejected"),
    [
        pytest.param("SIP 433 Anonymity Disallowed", True, id="433"),
        pytest.param("SIP 433 ", True, id="433-without-phrase"),
        pytest.param("SIP 603 Anonymous Calls Not Accepted", True, id="603-anonymous"),
        pytest.param("SIP 603 ANONYMOUS CALL REJECTION", True, id="603-upper-case"),
        pytest.param("SIP 603 no anonymous calls", True, id="603-lower-case-inside"),
        pytest.param("SIP 403 Anonymous call rejected", True, id="403-anonymous"),
        pytest.param("SIP 603 Decline", False, id="603-other-phrase"),
        pytest.param("SIP 403 Forbidden", False, id="403-other-phrase"),
        pytest.param("SIP 480 Anonymous", False, id="480-not-listed"),
        pytest.param("SIP 603", False, id="603-without-phrase"),
        pytest.param("SIP 183 Anonymous", False, id="provisional"),
        pytest.param("Q.850 21 anonym", False, id="not-sip"),
        pytest.param("", False, id="empty"),
        pytest.param(None, False, id="none"),
    ],
)
def test_433_always_and_listed_statuses_only_with_their_text(tech_cause, rejected):
    assert is_anonymous_rejection(tech_cause, RULES) is rejected


def test_without_pairs_only_433_counts():
    assert is_anonymous_rejection("SIP 433 Anonymity Disallowed", ())
    assert not is_anonymous_rejection("SIP 603 Anonymous Calls Not Accepted", ())


def test_the_text_matches_after_punctuation_is_dropped_as_the_dialplan_drops_it():
    assert normalise_cause('SIP 603 "Anonym-ous", no!') == "SIP 603 ANONYMOUS NO"
    assert is_anonymous_rejection("SIP 603 Anonym-ous calls: no", RULES)


def test_the_expression_is_the_one_rendered_into_the_dialplan():
    assert rejection_pattern(RULES) == "^SIP (433|603 .*ANONYM|403 .*ANONYM)"
    assert rejection_pattern(()) == "^SIP (433)"


def test_the_expression_holds_nothing_but_the_texts_and_its_own_syntax():
    rules = (AnonymousRejection(480, "No Anon 2"), AnonymousRejection(603, "x"))
    pattern = rejection_pattern(rules)
    assert re.fullmatch(r"[A-Z0-9 ^()|.*]+", pattern)
    assert "$" not in pattern and '"' not in pattern and "," not in pattern


def test_a_repeated_pair_is_rendered_once():
    rules = (AnonymousRejection(603, "anonym"), AnonymousRejection(603, "ANONYM"))
    assert rejection_pattern(rules) == "^SIP (433|603 .*ANONYM)"


@pytest.mark.parametrize(
    ("status", "text"),
    [
        pytest.param(399, "anonym", id="status-too-low"),
        pytest.param(700, "anonym", id="status-too-high"),
        pytest.param(True, "anonym", id="status-bool"),
        pytest.param(603, "", id="empty-text"),
        pytest.param(603, " anonym", id="leading-space"),
        pytest.param(603, "anon.*", id="regex"),
        pytest.param(603, 'anon")}', id="dialplan-syntax"),
        pytest.param(603, "a" * 41, id="too-long"),
        pytest.param(603, "anonyme\u0301", id="not-ascii"),
    ],
)
def test_a_pair_that_could_inject_anything_is_refused(status, text):
    with pytest.raises(ValueError):
        AnonymousRejection(status, text)


def test_more_than_ten_pairs_are_refused():
    rules = tuple(AnonymousRejection(600 + n, "anonym") for n in range(11))
    with pytest.raises(ValueError, match="at most 10"):
        rejection_pattern(rules)


def _rendered(tmp_path, policy) -> str:
    from gateway.pbx.render import RuntimeLayout, render_texts
    from gateway.settings import load_settings

    return render_texts(load_settings({}), RuntimeLayout(tmp_path / "pbx"), policy)[
        "extensions.conf"
    ]


def test_the_dialplan_retries_and_reports_on_the_policys_own_expression(tmp_path):
    from gateway.domain.policy import AgencyPolicy

    rules = (AnonymousRejection(480, "No Anonymous"),)
    text = _rendered(tmp_path, AgencyPolicy(anonymous_rejections=rules))
    expression = f'REGEX("{rejection_pattern(rules)}" '
    uses = [line for line in text.splitlines() if "REGEX(\"^SIP" in line]
    assert len(uses) == 2, "one judgement for the retry, the same one for the report"
    assert all(expression in line for line in uses)
    assert "Rejection: ${REJECTION}" in text


def test_the_default_dialplan_carries_the_shipped_pairs(tmp_path):
    text = _rendered(tmp_path, None)
    assert text.count('REGEX("^SIP (433|603 .*ANONYM|403 .*ANONYM)" ') == 2


def test_the_dialplan_reports_the_verdict_and_a_filtered_cause_only(tmp_path):
    text = _rendered(tmp_path, None)
    (event,) = [line for line in text.splitlines() if "UserEvent(SafeDialCallEnded" in line]
    assert "ParticipantCause: ${PEER_CAUSE}" in event
    (cause,) = [line for line in text.splitlines()
                if "Set(PEER_CAUSE=${FILTER(A-Za-z0-9 ,${HANGUPCAUSE(${PEER},tech)})}" in line]
    assert cause
