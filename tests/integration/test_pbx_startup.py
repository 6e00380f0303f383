"""Asterisk is only trusted once the objects the config asked for really exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.pbx.guard import UnsafeConfig
from gateway.pbx.process import Asterisk, PbxError, render
from gateway.settings import load_settings
from tests.integration.conftest import lab_environment


def test_a_misspelt_pjsip_option_that_drops_the_trunk_stops_start_up(tmp_path: Path) -> None:
    settings = load_settings(lab_environment(tmp_path / "runtime"))
    layout = render(settings)
    pjsip = layout.etc / "pjsip.conf"
    misspelt = pjsip.read_text().replace("direct_media = no", "direct_media = no\nsend_pia = no")
    pjsip.write_text(misspelt)
    asterisk = Asterisk(layout, settings.asterisk_binary)

    with pytest.raises(PbxError) as refused:
        asterisk.start()

    assert "trunk" in str(refused.value)
    assert "in the foreground" in str(refused.value), "the failure says how to see why"
    assert asterisk.pid() is None, "the half-configured Asterisk was stopped"


def test_an_unsafe_config_is_never_started(tmp_path: Path) -> None:
    settings = load_settings(lab_environment(tmp_path / "runtime"))
    layout = render(settings)
    pjsip = layout.etc / "pjsip.conf"
    pjsip.write_text(pjsip.read_text().replace("trust_id_inbound = no", "trust_id_inbound = yes"))
    asterisk = Asterisk(layout, settings.asterisk_binary)

    with pytest.raises(UnsafeConfig, match="trust_id_inbound"):
        asterisk.start()
    assert asterisk.pid() is None
    assert not (layout.log_dir / "messages").exists(), "Asterisk never ran"
