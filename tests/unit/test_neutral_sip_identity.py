"""The gateway's SIP identity is neutral: no product name, and never a number.

A participant's phone or carrier sees the User-Agent and Contact user of every
message; the product's name would tell them what kind of service is calling,
and a number there would leak. Both are settings with neutral defaults.
"""

from __future__ import annotations

import pytest

from gateway.pbx.asterisk_conf import parse
from gateway.pbx.guard import findings_for
from gateway.pbx.render import RuntimeLayout, render_texts
from gateway.settings import SettingsError, load_settings

PRODUCT = "safedial"


def _pjsip(tmp_path, **environ: str):
    settings = load_settings(environ)
    text = render_texts(settings, RuntimeLayout(tmp_path / "pbx"))["pjsip.conf"]
    return parse("pjsip.conf", text)


def _global(conf):
    return next(s for s in conf.concrete() if s.get("type") == "global")


def test_the_defaults_name_no_product():
    settings = load_settings({})
    assert settings.sip_user_agent == "PBX"
    assert settings.sip_contact_user == "gw"
    assert PRODUCT not in (settings.sip_user_agent + settings.sip_contact_user).lower()


def test_no_setting_in_the_rendered_pjsip_conf_names_the_product(tmp_path):
    conf = _pjsip(tmp_path)
    for section in conf.concrete():
        assert PRODUCT not in section.name.lower()
        for key, value in section.options:
            if key == "context":
                continue  # a dialplan context's name stays inside Asterisk
            assert PRODUCT not in value.lower(), f"[{section.name}] {key} = {value}"


def test_the_user_agent_and_contact_user_are_rendered_from_the_settings(tmp_path):
    conf = _pjsip(tmp_path, SAFEDIAL_SIP_USER_AGENT="Office PBX 2.1",
                  SAFEDIAL_SIP_CONTACT_USER="front-desk")
    section = _global(conf)
    assert section.get("user_agent") == "Office PBX 2.1"
    assert section.get("default_from_user") == "front-desk"


@pytest.mark.parametrize("value", ["PBX", "Asterisk PBX 22.10.1", "a", "x" * 64, "gw_1.0-b"])
def test_a_plain_user_agent_is_accepted(value):
    assert load_settings({"SAFEDIAL_SIP_USER_AGENT": value}).sip_user_agent == value


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * 65, id="too-long"),
        pytest.param(" PBX", id="leading-space"),
        pytest.param("PBX ", id="trailing-space"),
        pytest.param("PBX/1.0", id="slash"),
        pytest.param("PBX\nuser_agent=x", id="config-injection"),
        pytest.param("PBX;x", id="semicolon-starts-a-comment"),
        pytest.param("PBX 2025550122", id="number"),
        pytest.param("PBX +1 2025550122", id="number-after-a-plus"),
    ],
)
def test_a_user_agent_that_is_not_plain_words_or_holds_a_number_is_refused(value):
    with pytest.raises(SettingsError) as caught:
        load_settings({"SAFEDIAL_SIP_USER_AGENT": value})
    assert "SAFEDIAL_SIP_USER_AGENT" in str(caught.value)


@pytest.mark.parametrize("value", ["gw", "a", "x" * 32, "front-desk", "gw_2.b"])
def test_a_token_contact_user_is_accepted(value):
    assert load_settings({"SAFEDIAL_SIP_CONTACT_USER": value}).sip_contact_user == value


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * 33, id="too-long"),
        pytest.param("front desk", id="space"),
        pytest.param("gw@host", id="at-sign"),
        pytest.param("+12025550122", id="number"),
        pytest.param("gw2025550122", id="number-after-letters"),
        pytest.param("gw123", id="three-digits-the-guard-would-refuse"),
        pytest.param("gw\n", id="line-break"),
    ],
)
def test_a_contact_user_that_is_not_a_token_or_holds_digits_is_refused(value):
    with pytest.raises(SettingsError) as caught:
        load_settings({"SAFEDIAL_SIP_CONTACT_USER": value})
    message = str(caught.value)
    assert "SAFEDIAL_SIP_CONTACT_USER" in message
    assert "2025550122" not in message, "the refusal must not repeat a number"


def test_the_rendered_identity_passes_the_guard(tmp_path):
    settings = load_settings({"SAFEDIAL_SIP_USER_AGENT": "Office PBX",
                              "SAFEDIAL_SIP_CONTACT_USER": "front-desk"})
    texts = render_texts(settings, RuntimeLayout(tmp_path / "pbx"))
    assert findings_for(texts, lambda _target: None) == []
