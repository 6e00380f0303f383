"""The agency policy file: the shipped one loads; a bad one stops start-up with line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.callerid import CallerIdMode
from gateway.domain.anonymity import DEFAULT_ANONYMOUS_REJECTIONS, AnonymousRejection
from gateway.domain.policy import AdvocatesSee
from gateway.domain.preferences import DropProtocolKind, VoicemailKind
from gateway.pbx.render import RuntimeLayout, render_texts
from gateway.policyfile import PolicyFileError, load_policy, parse_policy
from gateway.settings import load_settings

SHIPPED = Path(__file__).resolve().parents[2] / "policies" / "default.toml"


def test_the_shipped_policy_follows_the_practice_guides() -> None:
    policy = load_policy(SHIPPED)
    assert policy.default_caller_id is CallerIdMode.WITHHOLD
    assert policy.default_voicemail.kind is VoicemailKind.GENERIC
    assert policy.default_on_drop.kind is DropProtocolKind.WAIT
    assert policy.anonymous_rejections == (
        AnonymousRejection(603, "anonym"), AnonymousRejection(403, "anonym"))


def test_a_policy_without_the_rejection_list_gets_the_shipped_pairs_and_an_empty_one_none():
    assert parse_policy("").anonymous_rejections == DEFAULT_ANONYMOUS_REJECTIONS
    assert parse_policy("[calls]\nanonymous_rejection = []\n").anonymous_rejections == ()


def test_an_agency_may_list_its_carriers_own_rejections():
    policy = parse_policy(
        "[calls]\n"
        'anonymous_rejection = [{ status = 480, reason = "Anonymous Calls Not Accepted" }]\n'
    )
    assert policy.anonymous_rejections == (AnonymousRejection(480, "Anonymous Calls Not Accepted"),)


_PAIR = "[calls]\nanonymous_rejection = [{{ status = {status}, reason = {reason} }}]\n"


@pytest.mark.parametrize(
    ("status", "reason", "why"),
    [
        pytest.param("399", '"anonym"', "greater than or equal to 400", id="status-low"),
        pytest.param("700", '"anonym"', "less than or equal to 699", id="status-high"),
        pytest.param('"603"', '"anonym"', "integer", id="status-text"),
        pytest.param("603", '"anon.*"', "letters, digits and spaces", id="regex"),
        pytest.param("603", '"anon\\")}"', "letters, digits and spaces", id="dialplan-syntax"),
        pytest.param("603", '""', "letters, digits and spaces", id="empty"),
        pytest.param("603", f'"{"a" * 41}"', "letters, digits and spaces", id="too-long"),
        pytest.param("603", "42", "string", id="reason-number"),
    ],
)
def test_a_rejection_pair_that_could_reach_the_dialplan_wrongly_is_refused(status, reason, why):
    with pytest.raises(PolicyFileError) as refused:
        parse_policy(_PAIR.format(status=status, reason=reason), "policy.toml")
    assert "policy.toml line 2" in str(refused.value)
    assert why in str(refused.value)


def test_more_than_ten_rejection_pairs_are_refused():
    pairs = ", ".join(f'{{ status = {600 + n}, reason = "anonym" }}' for n in range(11))
    with pytest.raises(PolicyFileError, match="anonymous_rejection"):
        parse_policy(f"[calls]\nanonymous_rejection = [{pairs}]\n")


def test_an_empty_policy_means_the_guides_defaults() -> None:
    policy = parse_policy("")
    assert policy.default_caller_id is CallerIdMode.WITHHOLD
    assert policy.default_on_drop.kind is DropProtocolKind.WAIT


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('[agency]\ntimezone = "Mars/Base"\n', 2, "unknown IANA time zone"),
        ('[agency]\ndefault_region = "ZZ"\n', 2, "unknown region"),
        ('[defaults]\ncaller_id = "shown"\n', 2, "withhold"),
        ('[defaults]\nvoicemail = "loud"\n', 2, "voicemail"),
        ("[callback]\n\nmax_attempts = 0\n", 3, "greater than or equal to 1"),
        ("[retention]\ndays = -1\n", 2, "greater than or equal to 1"),
        ("[calls]\ndrop_treshold_s = 10\n", 2, "Extra inputs"),
        ("[callback]\nmin_delay_min = 30\ndefault_delay_min = 10\n", 3, "between"),
        ("[amd]\nmessage_start_max_s = 0\n", 2, "greater than or equal to 2"),
        ("[amd]\nmessage_start_max_s = 120\n", 2, "less than or equal to 60"),
        ("[amd]\nmessage_start_silence = 50\n", 2, "greater than or equal to 300"),
        ("[amd]\nbeep_frequency = 5000\n", 2, "less than or equal to 3400"),
    ],
    ids=["time-zone", "region", "caller-id", "voicemail", "attempts", "retention", "typo",
         "delay-order", "message-start-max-low", "message-start-max-high",
         "message-start-silence-low", "beep-frequency-high"],
)
def test_a_bad_policy_names_the_line_and_the_reason(text: str, line: int, reason: str) -> None:
    with pytest.raises(PolicyFileError) as refused:
        parse_policy(text, "policy.toml")
    assert f"policy.toml line {line}" in str(refused.value)
    assert reason in str(refused.value)


def test_advocates_see_their_caseload_unless_the_policy_says_all() -> None:
    assert load_policy(SHIPPED).advocates_see is AdvocatesSee.ASSIGNED
    assert parse_policy("").advocates_see is AdvocatesSee.ASSIGNED
    assert parse_policy('[access]\nadvocates_see = "all"\n').advocates_see is AdvocatesSee.ALL
    with pytest.raises(PolicyFileError, match=r"line 2 \(access.advocates_see\)"):
        parse_policy('[access]\nadvocates_see = "team"\n')


def test_a_policy_that_is_not_toml_is_refused_with_its_position() -> None:
    with pytest.raises(PolicyFileError, match=r"not valid TOML.*line 2"):
        parse_policy("[agency]\ntimezone = \n", "policy.toml")


def test_a_missing_policy_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="SAFEDIAL_POLICY_FILE"):
        load_policy(tmp_path / "absent.toml")


def test_when_a_voicemail_starts_is_bounded_by_default_and_configurable() -> None:
    assert (parse_policy("").amd.message_start_silence, parse_policy("").amd.message_start_max_s) \
        == (1500, 20)
    amd = parse_policy("[amd]\nmessage_start_silence = 800\nmessage_start_max_s = 8\n").amd
    assert (amd.message_start_silence, amd.message_start_max_s) == (800, 8)


def test_the_dialplan_waits_for_the_greeting_no_longer_than_the_policy_says(tmp_path: Path) -> None:
    policy = parse_policy("[amd]\nmessage_start_silence = 800\nmessage_start_max_s = 8\n")
    text = render_texts(load_settings({}), RuntimeLayout(tmp_path / "pbx"), policy)
    assert "WaitForSilence(800,1,8)" in text["extensions.conf"]


def test_beep_detection_runs_during_detection_unless_turned_off(tmp_path: Path) -> None:
    settings = load_settings({})
    on = render_texts(settings, RuntimeLayout(tmp_path / "on"), parse_policy(""))
    off = render_texts(settings, RuntimeLayout(tmp_path / "off"),
                       parse_policy("[amd]\nbeep_frequency = 0\n"))
    assert "TONE_DETECT(1000,400,r)" in on["extensions.conf"]
    assert "TONE_DETECT" not in off["extensions.conf"]
