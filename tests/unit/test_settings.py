"""Settings: lab defaults, TOML overlaid by SAFEDIAL_ variables, errors naming the knob."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import Settings, SettingsError, load_settings


def _toml(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "safedial.toml"
    path.write_text(text)
    return {"SAFEDIAL_CONFIG_FILE": str(path)}


def _refusal(environ: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    return str(caught.value)


def test_defaults_describe_the_local_lab():
    settings = load_settings({})
    assert settings.sip_bind == "127.0.0.1"
    assert settings.sip_port == 5160
    assert settings.ami_port == 5039
    assert settings.ami_user == "safedial"
    assert settings.ami_secret is None
    assert settings.trunk_host == "127.0.0.2"
    assert settings.trunk_port == 5070
    assert (settings.rtp_start, settings.rtp_end) == (20000, 20999)
    assert settings.masked_number == "+12025550100"
    assert settings.agency_number == "+12025550199"
    assert settings.gateway_number is None
    assert settings.ring_timeout_s == 30


def test_settings_are_frozen():
    settings = load_settings({})
    with pytest.raises(ValueError, match="frozen"):
        settings.sip_port = 1  # type: ignore[misc]


def test_environment_variables_override_the_defaults():
    settings = load_settings(
        {"SAFEDIAL_SIP_PORT": "5170", "SAFEDIAL_TRUNK_HOST": "pbx.example.org"}
    )
    assert settings.sip_port == 5170
    assert settings.trunk_host == "pbx.example.org"


def test_variables_without_the_prefix_or_not_settings_are_ignored():
    settings = load_settings({"SIP_PORT": "1", "SAFEDIAL_NOT_A_SETTING": "x", "HOME": "/root"})
    assert settings.sip_port == 5160


def test_the_toml_file_named_by_safedial_config_file_is_read(tmp_path):
    settings = load_settings(_toml(tmp_path, 'sip_port = 5180\nMASKED_NUMBER = "+12025550101"\n'))
    assert settings.sip_port == 5180
    assert settings.masked_number == "+12025550101"


def test_the_environment_wins_over_the_toml_file(tmp_path):
    environ = _toml(tmp_path, "sip_port = 5180\nami_port = 5049\n") | {"SAFEDIAL_SIP_PORT": "5190"}
    settings = load_settings(environ)
    assert settings.sip_port == 5190
    assert settings.ami_port == 5049


def test_numbers_are_stored_in_e164_form():
    settings = load_settings({"SAFEDIAL_MASKED_NUMBER": "+1 (202) 555-0101"})
    assert settings.masked_number == "+12025550101"


def test_the_advocate_sees_the_masked_number_when_no_gateway_number_is_set():
    settings = load_settings({})
    assert settings.advocate_display_number == settings.masked
    assert settings.advocate_display_number.e164 == "+12025550100"


def test_the_advocate_sees_the_gateway_number_when_one_is_set():
    settings = load_settings({"SAFEDIAL_GATEWAY_NUMBER": "+12025550177"})
    assert settings.advocate_display_number.e164 == "+12025550177"


def test_masked_and_agency_numbers_are_exposed_as_phone_numbers():
    settings = load_settings({})
    assert settings.masked.e164 == settings.masked_number
    assert settings.agency.e164 == settings.agency_number


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        pytest.param(
            {"SAFEDIAL_SIP_PORT": "not-a-port"}, "SAFEDIAL_SIP_PORT", id="port-not-a-number"
        ),
        pytest.param({"SAFEDIAL_SIP_PORT": "0"}, "SAFEDIAL_SIP_PORT", id="port-zero"),
        pytest.param({"SAFEDIAL_AMI_PORT": "65536"}, "SAFEDIAL_AMI_PORT", id="port-too-high"),
        pytest.param({"SAFEDIAL_TRUNK_PORT": "-1"}, "SAFEDIAL_TRUNK_PORT", id="port-negative"),
        pytest.param(
            {"SAFEDIAL_MASKED_NUMBER": "2025550101"},
            "SAFEDIAL_MASKED_NUMBER",
            id="masked-without-plus",
        ),
        pytest.param(
            {"SAFEDIAL_AGENCY_NUMBER": "+1202"}, "SAFEDIAL_AGENCY_NUMBER", id="agency-too-short"
        ),
        pytest.param(
            {"SAFEDIAL_GATEWAY_NUMBER": "call me"},
            "SAFEDIAL_GATEWAY_NUMBER",
            id="gateway-not-a-number",
        ),
        pytest.param(
            {"SAFEDIAL_MASKED_NUMBER": "+12025550199"},
            "SAFEDIAL_MASKED_NUMBER",
            id="masked-equals-agency",
        ),
        pytest.param(
            {"SAFEDIAL_MASKED_NUMBER": "+1 202 555 0199"},
            "SAFEDIAL_MASKED_NUMBER",
            id="masked-equals-agency-written-differently",
        ),
        pytest.param({"SAFEDIAL_SIP_BIND": "localhost"}, "SAFEDIAL_SIP_BIND", id="bind-a-name"),
        pytest.param(
            {"SAFEDIAL_SIP_BIND": "127.0.0.1:5060"}, "SAFEDIAL_SIP_BIND", id="bind-with-port"
        ),
        pytest.param(
            {"SAFEDIAL_TRUNK_HOST": "bad host"}, "SAFEDIAL_TRUNK_HOST", id="trunk-host-with-space"
        ),
        pytest.param(
            {"SAFEDIAL_TRUNK_HOST": "host\nmatch=0.0.0.0/0"},
            "SAFEDIAL_TRUNK_HOST",
            id="trunk-host-config-injection",
        ),
        pytest.param(
            {"SAFEDIAL_TRUNK_HOST": "-pbx.example"},
            "SAFEDIAL_TRUNK_HOST",
            id="trunk-host-leading-dash",
        ),
        pytest.param(
            {"SAFEDIAL_AMI_USER": "safe dial"}, "SAFEDIAL_AMI_USER", id="ami-user-with-space"
        ),
        pytest.param(
            {"SAFEDIAL_AMI_SECRET": "short"}, "SAFEDIAL_AMI_SECRET", id="ami-secret-too-short"
        ),
        pytest.param(
            {"SAFEDIAL_AMI_SECRET": "a" * 20 + "\n[evil]"},
            "SAFEDIAL_AMI_SECRET",
            id="ami-secret-config-injection",
        ),
        pytest.param(
            {"SAFEDIAL_RING_TIMEOUT_S": "1"}, "SAFEDIAL_RING_TIMEOUT_S", id="ring-timeout-too-short"
        ),
        pytest.param(
            {"SAFEDIAL_RTP_START": "30000", "SAFEDIAL_RTP_END": "20000"},
            "SAFEDIAL_RTP_END",
            id="rtp-range-reversed",
        ),
    ],
)
def test_a_malformed_setting_is_refused_by_its_variable_name(environ, setting):
    assert setting in _refusal(environ)


def test_a_malformed_number_is_refused_without_repeating_it():
    message = _refusal({"SAFEDIAL_MASKED_NUMBER": "+1202555O101"})
    assert "SAFEDIAL_MASKED_NUMBER" in message
    assert "1202555" not in message


def test_an_unknown_key_in_the_toml_file_is_refused_by_its_variable_name(tmp_path):
    assert "SAFEDIAL_SIP_PROT" in _refusal(_toml(tmp_path, "sip_prot = 5160\n"))


def test_a_malformed_value_in_the_toml_file_is_refused_by_its_variable_name(tmp_path):
    assert "SAFEDIAL_SIP_PORT" in _refusal(_toml(tmp_path, 'sip_port = "high"\n'))


def test_a_toml_number_that_is_not_text_is_refused(tmp_path):
    assert "SAFEDIAL_MASKED_NUMBER" in _refusal(_toml(tmp_path, "masked_number = 12025550101\n"))


def test_a_missing_config_file_is_refused_by_its_variable_name(tmp_path):
    message = _refusal({"SAFEDIAL_CONFIG_FILE": str(tmp_path / "nowhere.toml")})
    assert "SAFEDIAL_CONFIG_FILE" in message
    assert "no such file" in message


def test_a_config_file_that_is_not_toml_is_refused_by_its_variable_name(tmp_path):
    message = _refusal(_toml(tmp_path, "sip_port = = 5160\n"))
    assert "SAFEDIAL_CONFIG_FILE" in message
    assert "not valid TOML" in message


def test_every_problem_is_named_at_once():
    message = _refusal({"SAFEDIAL_SIP_PORT": "x", "SAFEDIAL_AMI_PORT": "y"})
    assert "SAFEDIAL_SIP_PORT" in message
    assert "SAFEDIAL_AMI_PORT" in message


def test_every_setting_has_a_default_so_an_empty_environment_starts():
    assert isinstance(load_settings({}), Settings)


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        pytest.param(
            {"SAFEDIAL_TRUNK_HOST": "pbx.example.org\n"}, "SAFEDIAL_TRUNK_HOST", id="trunk-host"
        ),
        pytest.param({"SAFEDIAL_AMI_USER": "safedial\n"}, "SAFEDIAL_AMI_USER", id="ami-user"),
    ],
)
def test_a_value_ending_in_a_line_break_is_refused_by_its_variable_name(environ, setting):
    assert setting in _refusal(environ)
