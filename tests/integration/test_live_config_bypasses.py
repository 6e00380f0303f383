"""A careless hand edit of the running PBX's config stops the next call before anything rings.

Each case opens one leak a careless operator could write into the live config
folder (the bypasses that once passed as "config is safe"). The pre-call check
runs the guard on that folder before every call: the call is refused (exit 3,
the setting named), and neither phone receives a single SIP message. The edit
is undone afterwards: the running Asterisk never reloaded it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.pbx.process import layout_for
from gateway.people import service as people
from gateway.wiring import AppContext
from tests.integration.cli_helpers import safedial
from tests.integration.conftest import CarrierLab, FarEndFactory, copy_selftested
from tests.support.numbers import ADVOCATE, AGENCY, leaked
from tests.support.world import new_advocate, new_participant

ALWAYS = ["mon-sun 00:00-24:00"]
Edit = Callable[[Path], None]


def _append(name: str, text: str) -> Edit:
    def edit(etc: Path) -> None:
        path = etc / name
        path.write_text((path.read_text() if path.exists() else "") + text)
    return edit


def _replace(name: str, old: str, new: str) -> Edit:
    def edit(etc: Path) -> None:
        path = etc / name
        text = path.read_text()
        assert old in text, f"{old!r} should be in the rendered {name}"
        path.write_text(text.replace(old, new, 1))
    return edit


def _glob_include(etc: Path) -> None:
    (etc / "pjsip.d").mkdir(exist_ok=True)
    (etc / "pjsip.d" / "carrier.conf").write_text(
        "[trunk](+)\ntrust_id_outbound = yes\nsend_pai = yes\n")
    _append("pjsip.conf", '\n#tryinclude "pjsip.d/*.conf"\n')(etc)


BYPASSES: dict[str, tuple[Edit, str]] = {
    "glob-tryinclude-trusts-the-trunk": (_glob_include, "trust_id_outbound"),
    "endpoint-in-the-wizard": (_append("pjsip_wizard.conf", "[carrier2]\ntype = wizard\n"
                                       "remote_hosts = 127.0.0.9\n"), "pjsip_wizard.conf"),
    "withhold-path-sets-the-agency-number": (
        _replace("extensions.conf", 'Set(CALLERID(all)="Anonymous" <anonymous>)',
                 f"Set(CALLERID(all)=<{AGENCY}>)"), "CALLERID(all)"),
    "dial-in-another-context": (
        _append("extensions.conf", "\n[operator-test]\nexten => s,1,Dial(PJSIP/x@trunk,30)\n"),
        "operator-test"),
    "set-var-on-the-trunk": (_replace("pjsip.conf", "direct_media = no\n",
                                      "direct_media = no\nset_var = X=1\n"), "set_var"),
    "direct-media-at-its-default": (_replace("pjsip.conf", "direct_media = no\n", ""),
                                    "direct_media"),
    "ami-user-may-do-more": (_replace("manager.conf", "write = originate,call",
                                      "write = originate,call,system"), "write"),
    "manager-over-http": (_append("http.conf", "[general]\nenabled = yes\n"), "http.conf"),
    "transfer-key": (_replace("features.conf", "[featuremap]\n",
                              "[featuremap]\nblindxfer = #1\n"), "blindxfer"),
    "advocates-number-in-the-dialplan": (
        _append("extensions.conf", f"\n[operator-notes]\nexten => s,1,NoOp({ADVOCATE})\n"),
        "advocate's number"),
}


@pytest.fixture
def world(carrier_lab: CarrierLab, selftested: Path, tmp_path: Path) -> Iterator[AppContext]:
    copy_selftested(selftested, tmp_path)
    ctx = carrier_lab.world(tmp_path)
    yield ctx
    ctx.close()


@pytest.fixture
def live_etc(world: AppContext, tmp_path: Path) -> Iterator[Path]:
    """The running PBX's config folder, restored exactly after the test."""
    etc = layout_for(world.settings).etc
    before = {path: path.read_bytes() for path in etc.rglob("*") if path.is_file()}
    yield etc
    for path in sorted(etc.rglob("*"), reverse=True):
        if path.is_file() and path not in before:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for path, content in before.items():
        path.write_bytes(content)


@pytest.mark.parametrize("bypass", BYPASSES)
def test_a_hand_edited_leak_refuses_the_next_call_and_nothing_rings(
    world: AppContext, live_etc: Path, carrier_phones: FarEndFactory, bypass: str
) -> None:
    edit, named = BYPASSES[bypass]
    with world.db.unit_of_work() as session:
        participant_id = people.create_participant(
            session, keys=world.keys, policy=world.policy, actor="test",
            fields=new_participant(windows=ALWAYS))
        advocate_id = people.create_advocate(
            session, keys=world.keys, policy=world.policy, actor="test",
            fields=new_advocate(phone=ADVOCATE, role="admin"))
    edit(live_etc)
    phone = carrier_phones({})
    result = safedial(world.env, "call", "--participant", participant_id,  # type: ignore[attr-defined]
                      "--advocate", advocate_id)
    phone.stop()

    assert result.returncode == 3, result.stderr
    assert "pbx-config-unsafe" in result.stdout + result.stderr
    assert named in result.stderr
    assert phone.dialogs().messages == [], "neither phone may receive anything"
    assert leaked(result.stdout + result.stderr, ADVOCATE, AGENCY) == []
