"""An Asterisk in a Debian root (SAFEDIAL_ASTERISK_ROOT) sees every path from inside it.

No PBX here: settings, the one host-to-PBX path translation, the rendered
config and the dialplan variables, and the command lines run through chroot.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.ami.client import AmiCallControl
from gateway.callerid import CallerIdMode
from gateway.calls.models import DialRequest
from gateway.pbx.process import Asterisk, AsteriskVersion, PbxError, layout_for
from gateway.pbx.render import RuntimeLayout, modules_dir, render_texts
from gateway.phone import PhoneNumber
from gateway.settings import SettingsError, load_settings
from gateway.wiring import call_control_for
from tests.support.numbers import ADVOCATE, PARTICIPANT


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A fake Debian root with Asterisk 22's multiarch modules folder."""
    base = tmp_path / "sid"
    modules = base / "usr/lib/x86_64-linux-gnu/asterisk/modules"
    modules.mkdir(parents=True)
    (modules / "res_pjsip.so").write_bytes(b"")
    (base / "usr/sbin").mkdir(parents=True)
    (base / "usr/sbin/asterisk").write_bytes(b"")
    return base


def test_without_a_root_the_hosts_asterisk_runs_as_before(tmp_path: Path) -> None:
    settings = load_settings({"SAFEDIAL_RUNTIME_DIR": str(tmp_path / "pbx")})
    layout = layout_for(settings)
    assert settings.asterisk_root is None
    assert layout.chroot is None
    assert layout.inside(layout.sounds) == layout.sounds
    assert Asterisk(layout)._command("-V") == ["/usr/sbin/asterisk", "-V"]


def test_with_a_root_the_runtime_folder_defaults_to_one_inside_it(root: Path) -> None:
    settings = load_settings({"SAFEDIAL_ASTERISK_ROOT": str(root)})
    assert settings.runtime_dir == root / "var/lib/safedial/pbx"


def test_a_runtime_folder_outside_the_root_stops_start_up_and_says_why(
    root: Path, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"SAFEDIAL_ASTERISK_ROOT": str(root),
                       "SAFEDIAL_RUNTIME_DIR": str(tmp_path / "elsewhere")})
    assert "SAFEDIAL_RUNTIME_DIR must lie inside SAFEDIAL_ASTERISK_ROOT" in str(refused.value)


def test_a_prompt_cache_outside_the_root_stops_start_up_not_the_first_call(
    root: Path, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"SAFEDIAL_ASTERISK_ROOT": str(root),
                       "SAFEDIAL_PROMPT_CACHE_DIR": str(tmp_path / "elsewhere")})
    assert "SAFEDIAL_PROMPT_CACHE_DIR must lie inside SAFEDIAL_ASTERISK_ROOT" in str(refused.value)
    inside = root / "var" / "cache" / "prompts"
    assert load_settings({"SAFEDIAL_ASTERISK_ROOT": str(root),
                          "SAFEDIAL_PROMPT_CACHE_DIR": str(inside)}).prompt_cache_dir == inside


def test_a_relative_root_is_refused_and_an_empty_one_means_the_host(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SAFEDIAL_ASTERISK_ROOT: must be an absolute path"):
        load_settings({"SAFEDIAL_ASTERISK_ROOT": "var/cache/sid"})
    assert load_settings({"SAFEDIAL_ASTERISK_ROOT": ""}).asterisk_root is None


def test_paths_translate_to_the_view_from_inside_the_root(root: Path) -> None:
    layout = RuntimeLayout(root / "tmp/run", chroot=root)
    assert layout.inside(layout.sounds / "calls" / "x") == Path("/tmp/run/sounds/calls/x")
    assert layout.on_host(Path("/usr/sbin/asterisk")) == root / "usr/sbin/asterisk"
    with pytest.raises(ValueError, match="outside the Asterisk root"):
        layout.inside(Path("/etc/passwd"))


def test_the_rendered_config_names_only_paths_inside_the_root(root: Path) -> None:
    settings = load_settings({"SAFEDIAL_ASTERISK_ROOT": str(root),
                              "SAFEDIAL_RUNTIME_DIR": str(root / "tmp/run")})
    layout = layout_for(settings)
    conf = render_texts(settings, layout)["asterisk.conf"]
    assert "astetcdir => /tmp/run/etc" in conf
    assert "astrundir => /tmp/run/run" in conf
    assert "astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules" in conf
    assert str(root) not in conf


def test_the_modules_folder_is_found_where_the_release_keeps_it(root: Path) -> None:
    settings = load_settings({"SAFEDIAL_ASTERISK_ROOT": str(root)})
    found = modules_dir(settings, layout_for(settings))
    assert found == Path("/usr/lib/x86_64-linux-gnu/asterisk/modules")
    named = load_settings({"SAFEDIAL_ASTERISK_ROOT": str(root),
                           "SAFEDIAL_ASTERISK_MODULES_DIR": "/opt/asterisk/modules"})
    assert modules_dir(named, layout_for(named)) == Path("/opt/asterisk/modules")


def test_asterisk_runs_through_chroot_with_the_config_path_inside_the_root(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 0)
    settings = load_settings({"SAFEDIAL_ASTERISK_ROOT": str(root),
                              "SAFEDIAL_RUNTIME_DIR": str(root / "tmp/run")})
    asterisk = Asterisk(layout_for(settings), settings.asterisk_binary)
    assert asterisk._with_config("-rx", "core show version") == [
        "/usr/sbin/chroot", str(root.resolve()), "/usr/sbin/asterisk",
        "-C", "/tmp/run/etc/asterisk.conf", "-rx", "core show version",
    ]


def test_a_root_without_asterisk_or_without_root_privileges_is_a_pbx_error(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = RuntimeLayout(root / "tmp/run", chroot=root)
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    with pytest.raises(PbxError, match="needs root"):
        Asterisk(layout).version()
    monkeypatch.setattr("os.geteuid", lambda: 0)
    with pytest.raises(PbxError, match="no Asterisk at /usr/sbin/asterisk-22"):
        Asterisk(layout, "/usr/sbin/asterisk-22").version()


@pytest.mark.parametrize(
    ("output", "text", "major"),
    [
        ("Asterisk 16.28.0~dfsg-0+deb11u10\n", "16.28.0~dfsg-0+deb11u10", 16),
        ("Asterisk 22.10.1+dfsg+~cs6.17.60671434-1 built by nobody @ buildd on a x86_64",
         "22.10.1+dfsg+~cs6.17.60671434-1", 22),
    ],
)
def test_the_release_is_read_from_asterisk_v_or_core_show_version(
    output: str, text: str, major: int
) -> None:
    version = AsteriskVersion.parse(output)
    assert (version.text, version.major) == (text, major)
    assert str(version) == f"Asterisk {text}"


def test_an_unreadable_release_is_a_pbx_error() -> None:
    with pytest.raises(PbxError):
        AsteriskVersion.parse("Unable to connect to remote asterisk")


def test_sound_paths_in_the_originate_are_the_ones_asterisk_sees(root: Path) -> None:
    settings = load_settings({"SAFEDIAL_ASTERISK_ROOT": str(root),
                              "SAFEDIAL_RUNTIME_DIR": str(root / "tmp/run"),
                              "SAFEDIAL_AMI_SECRET": "s" * 20})
    sounds = layout_for(settings).sounds / "calls" / "c1"
    request = DialRequest(
        advocate=PhoneNumber(ADVOCATE), participant=PhoneNumber(PARTICIPANT),
        mode=CallerIdMode.WITHHOLD, voicemail_prompt=sounds / "voicemail",
        briefing=sounds / "briefing", notice_dir=sounds,
    )
    control: AmiCallControl = call_control_for(settings)
    variables = control.build_originate(request, "0" * 8 + "-0000-0000-0000-" + "0" * 12)
    paths = {v.split("=", 1)[0]: v.split("=", 1)[1] for v in variables["Variable"]
             if v.startswith(("SAFEDIAL_VM_PROMPT", "SAFEDIAL_BRIEFING", "SAFEDIAL_NOTICE_DIR"))}
    assert paths == {
        "SAFEDIAL_VM_PROMPT": "/tmp/run/sounds/calls/c1/voicemail",
        "SAFEDIAL_BRIEFING": "/tmp/run/sounds/calls/c1/briefing",
        "SAFEDIAL_NOTICE_DIR": "/tmp/run/sounds/calls/c1",
    }
