"""Bypasses a careless operator could write, each refused by the guard naming the setting.

Each test opens one hole in the rendered config, as a hand edit would, and
checks that ``pbx check`` (the guard with the configured numbers) refuses it;
the last ones show the pre-call check, which also knows whose numbers are on
file, refusing a dialplan with an advocate's or participant's number in it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.pbx.guard import UnsafeConfig, check_directory, findings_for
from gateway.pbx.process import known_numbers
from gateway.pbx.render import RuntimeLayout, render_texts, write_rendered
from gateway.settings import load_settings
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE, AGENCY, GATEWAY, MASKED, PARTICIPANT
from tests.support.world import add_advocate, add_participant, make_world, world_environment

SETTINGS = load_settings({"SAFEDIAL_MASKED_NUMBER": MASKED, "SAFEDIAL_GATEWAY_NUMBER": GATEWAY,
                          "SAFEDIAL_AGENCY_NUMBER": AGENCY})
KNOWN = known_numbers(SETTINGS)
WITHHOLD_SET = ' same => n,Set(CALLERID(all)="Anonymous" <anonymous>)\n'


@pytest.fixture
def rendered(tmp_path: Path) -> dict[str, str]:
    return render_texts(SETTINGS, RuntimeLayout(tmp_path / "pbx"))


def _no_includes(_target: str) -> None:
    return None


def _findings(texts: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(finding.file, finding.section, finding.setting)
            for finding in findings_for(texts, _no_includes, known=KNOWN)]


def _edited(rendered: dict[str, str], file: str, old: str, new: str) -> dict[str, str]:
    assert rendered[file].count(old) == 1, f"{old!r} should be in {file} exactly once"
    return rendered | {file: rendered[file].replace(old, new)}


def test_the_shipped_config_passes_with_the_configured_numbers(rendered):
    assert _findings(rendered) == []


# -- dial paths ----------------------------------------------------------------------


def test_a_withhold_path_that_sets_the_agency_number_is_refused_though_it_mentions_prohib(
    rendered,
):
    texts = _edited(rendered, "extensions.conf", WITHHOLD_SET,
                    f" same => n,Set(CALLERID(all)=<{AGENCY}>)\n")
    assert ("extensions.conf", "safedial-call", "CALLERID(all)") in _findings(texts)


def test_a_dial_pinned_to_the_agency_number_is_refused(rendered):
    texts = _edited(rendered, "extensions.conf", 'If("Anonymous" <anonymous>)u(prohib)',
                    f"If(<{AGENCY}>)u(prohib)")
    assert ("extensions.conf", "safedial-call", "Dial") in _findings(texts)


def test_a_dial_in_another_context_without_its_caller_id_pinned_is_refused(rendered):
    extra = "\n[operator-test]\nexten => s,1,Dial(PJSIP/${NUMBER}@trunk,30)\n"
    texts = rendered | {"extensions.conf": rendered["extensions.conf"] + extra}
    found = _findings(texts)
    assert ("extensions.conf", "operator-test", "CALLERID(pres)") in found
    assert ("extensions.conf", "operator-test", "Dial") in found


def test_a_correctly_pinned_dial_in_another_context_passes(rendered):
    extra = ("\n[operator-test]\nexten => s,1,Set(CALLERID(all)=<${SAFEDIAL_MASKED_CALLERID}>)\n"
             " same => n,Set(CALLERID(pres)=allowed)\n"
             " same => n,Dial(PJSIP/${NUMBER}@trunk,30,f(<${SAFEDIAL_MASKED_CALLERID}>)"
             "u(allowed))\n")
    assert _findings(rendered | {"extensions.conf": rendered["extensions.conf"] + extra}) == []


@pytest.mark.parametrize("app", ["Originate(PJSIP/x@trunk,exten,a,s,1)", "Queue(support)",
                                 "Page(PJSIP/x@trunk)", "FollowMe(advocate)"])
def test_applications_that_dial_without_pinning_a_caller_id_are_refused(rendered, app):
    extra = f"\n[operator-test]\nexten => s,1,{app}\n"
    texts = rendered | {"extensions.conf": rendered["extensions.conf"] + extra}
    assert ("extensions.conf", "operator-test", app.split("(")[0]) in _findings(texts)


def test_the_masked_number_variable_set_to_the_agency_number_is_refused(rendered):
    texts = _edited(rendered, "extensions.conf", f"SAFEDIAL_MASKED_CALLERID = {MASKED}",
                    f"SAFEDIAL_MASKED_CALLERID = {AGENCY}")
    found = _findings(texts)
    assert ("extensions.conf", "globals", "SAFEDIAL_MASKED_CALLERID") in found
    assert ("extensions.conf", "globals", "number") in found, "the agency's number is nowhere"


# -- endpoint options ----------------------------------------------------------------------


@pytest.mark.parametrize("option", ["direct_media = no\n", "allow_transfer = no\n"])
def test_media_and_transfer_left_at_their_defaults_are_refused(rendered, option):
    texts = _edited(rendered, "pjsip.conf", option, "")
    assert ("pjsip.conf", "trunk", option.split(" ")[0]) in _findings(texts)


@pytest.mark.parametrize("line", [f"callerid = <{AGENCY}>", "callerid_privacy = allowed",
                                  "set_var = CALLERID(num)=1"])
def test_caller_id_or_variables_fixed_on_the_endpoint_are_refused(rendered, line):
    texts = _edited(rendered, "pjsip.conf", "direct_media = no\n", f"direct_media = no\n{line}\n")
    assert ("pjsip.conf", "trunk", line.split(" ")[0]) in _findings(texts)


@pytest.mark.parametrize("option", ["sdp_owner", "sdp_session", "from_domain"])
def test_a_number_in_what_builds_the_sdp_or_the_from_is_refused(rendered, option):
    texts = _edited(rendered, "pjsip.conf", "direct_media = no\n",
                    f"direct_media = no\n{option} = {AGENCY.lstrip('+')}\n")
    assert ("pjsip.conf", "trunk", option) in _findings(texts)


def test_an_ip_address_in_the_from_domain_passes(rendered):
    texts = _edited(rendered, "pjsip.conf", "direct_media = no\n",
                    "direct_media = no\nfrom_domain = 192.168.100.200\n")
    assert _findings(texts) == []


def test_a_number_in_the_user_agent_is_refused(rendered):
    old = next(line for line in rendered["pjsip.conf"].splitlines()
               if line.startswith("user_agent"))
    texts = _edited(rendered, "pjsip.conf", old + "\n", f"user_agent = {GATEWAY}\n")
    assert ("pjsip.conf", "global", "user_agent") in _findings(texts)


def test_the_sip_history_module_is_refused(rendered):
    texts = _edited(rendered, "modules.conf", "noload => res_pjsip_history.so\n", "")
    assert ("modules.conf", "modules", "res_pjsip_history.so") in _findings(texts)


# -- AMI -------------------------------------------------------------------------------------


def test_an_ami_user_with_more_write_classes_is_refused(rendered):
    texts = _edited(rendered, "manager.conf", "write = originate,call",
                    "write = originate,call,system,config")
    assert [f for f in _findings(texts) if f[2] == "write"], "write classes beyond SafeDial's"


def test_an_ami_user_without_the_event_filters_is_refused(rendered):
    manager = "\n".join(line for line in rendered["manager.conf"].splitlines()
                        if not line.startswith("eventfilter")) + "\n"
    texts = rendered | {"manager.conf": manager}
    assert [f for f in _findings(texts) if f[2] == "eventfilter"]


def test_an_ami_event_filter_that_lets_more_through_is_refused(rendered):
    manager = rendered["manager.conf"] + "eventfilter = Event: .*\n"
    assert [f for f in _findings(rendered | {"manager.conf": manager}) if f[2] == "eventfilter"]


# -- the pre-call check knows whose numbers are on file ----------------------------------


@pytest.fixture
def world(tmp_path: Path) -> AppContext:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


@pytest.mark.parametrize(("number", "role"), [(ADVOCATE, "advocate"),
                                              (PARTICIPANT, "participant")])
def test_the_pre_call_check_refuses_a_dialplan_holding_a_number_on_file(
    world: AppContext, tmp_path: Path, number: str, role: str
) -> None:
    add_participant(world)
    add_advocate(world)
    layout = RuntimeLayout(Path(world_environment(tmp_path)["SAFEDIAL_RUNTIME_DIR"]).resolve())
    texts = render_texts(world.settings, layout)
    texts["extensions.conf"] += f"\n[operator-notes]\nexten => s,1,NoOp(call {number})\n"
    write_rendered(layout, texts)

    check_directory(layout.etc, known=known_numbers(world.settings))  # pbx check: no keys
    with pytest.raises(UnsafeConfig, match=f"an {role}'s number is written in the dialplan"):
        world.verify_pbx_safe()
    with pytest.raises(UnsafeConfig) as refused:
        world.verify_pbx_safe()
    assert number[-7:] not in str(refused.value), "the finding never repeats the number"
