"""The guard reads what Asterisk reads, and refuses what it cannot read.

Each test opens one way a hand edit in the runtime folder used to pass as safe:
a leak in an included file, in a file the guard did not open, or spelt in a
case the guard did not compare. The written runtime folder is checked as
``safedial pbx check`` checks it, and the refusal must name the file and setting.
"""

from __future__ import annotations

import pytest

from gateway.pbx.conf_folder import expand_braces, folder_loader
from gateway.pbx.guard import UnsafeConfig, check_directory, findings_for
from gateway.pbx.guard_files import JUDGED_FILES, RENDERED_FILES
from gateway.pbx.render import RuntimeLayout, render_texts, write_rendered
from gateway.settings import load_settings

TRUSTING_TRUNK = "[trunk](+)\ntrust_id_outbound = yes\nsend_pai = yes\n"


@pytest.fixture
def etc(tmp_path):
    layout = RuntimeLayout(tmp_path / "pbx")
    write_rendered(layout, render_texts(load_settings({}), layout))
    return layout.etc


def _append(etc, name: str, text: str) -> None:
    path = etc / name
    path.write_text((path.read_text() if path.exists() else "") + text)


def _write(etc, name: str, text: str) -> None:
    (etc / name).parent.mkdir(parents=True, exist_ok=True)
    (etc / name).write_text(text)


def _refused(etc) -> list[str]:
    with pytest.raises(UnsafeConfig) as caught:
        check_directory(etc)
    return [str(finding) for finding in caught.value.findings]


def _named(findings: list[str], *words: str) -> bool:
    return any(all(word in finding for word in words) for finding in findings)


def test_the_rendered_folder_passes(etc):
    check_directory(etc)


def test_the_rendered_files_are_the_templates_in_dialplans():
    templates = load_settings({}).dialplans_dir.glob("*.j2")
    assert {path.name.removesuffix(".j2") for path in templates} == RENDERED_FILES
    assert not RENDERED_FILES & JUDGED_FILES


# --- includes ---------------------------------------------------------------


def test_trust_added_to_the_trunk_by_a_globbed_tryinclude_is_refused(etc):
    _write(etc, "pjsip.d/carrier.conf", TRUSTING_TRUNK)
    _append(etc, "pjsip.conf", '#tryinclude "pjsip.d/*.conf"\n')
    assert _named(_refused(etc), "pjsip.conf [trunk] send_pai", "trust_id_outbound")


def test_globbed_files_are_read_in_sorted_order_the_last_value_winning(etc):
    _write(etc, "pjsip.d/b.conf", TRUSTING_TRUNK)
    _write(etc, "pjsip.d/a.conf", "[trunk](+)\nsend_pai = no\n")
    _append(etc, "pjsip.conf", "#include pjsip.d/*.conf\n")
    assert _named(_refused(etc), "[trunk] send_pai")
    (etc / "pjsip.d/c.conf").write_text("[trunk](+)\nsend_pai = no\n")
    check_directory(etc)


def test_brace_alternatives_are_read_in_the_order_written():
    assert expand_braces("x/{b,a{1,2}}.conf") == ["x/b.conf", "x/a1.conf", "x/a2.conf"]


def test_the_loader_resolves_includes_in_the_folder_and_keeps_regular_files(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.conf").write_text("b")
    (tmp_path / "d" / "a.conf").write_text("a")
    (tmp_path / "d" / "z.conf").mkdir()
    assert folder_loader(tmp_path)("d/*.conf") == [("d/a.conf", "a"), ("d/b.conf", "b")]
    assert folder_loader(tmp_path)("d/none*.conf") == []


def test_an_include_of_a_missing_file_is_refused_naming_it(etc):
    _append(etc, "manager.conf", "#include manager.d/*.conf\n")
    assert _named(_refused(etc), "manager.conf syntax", "cannot read #include manager.d/*.conf")


def test_a_tryinclude_of_a_missing_file_is_fine(etc):
    _append(etc, "pjsip.conf", "#tryinclude pjsip.d/*.conf\n#tryinclude gone.conf\n")
    check_directory(etc)


def test_an_include_cycle_is_refused_not_followed(etc):
    _write(etc, "pjsip.d/a.conf", "#include pjsip.d/*.conf\n")
    _append(etc, "pjsip.conf", "#include pjsip.d/a.conf\n")
    assert _named(_refused(etc), "pjsip.conf syntax", "loops back to pjsip.d/a.conf")


def test_an_include_by_absolute_path_is_refused_naming_it(etc, tmp_path):
    _write(etc, "pjsip.d/a.conf", "[x]\ny = 1\n")
    _append(etc, "pjsip.conf", f"#tryinclude {etc}/pjsip.d/a.conf\n")
    assert _named(_refused(etc), "pjsip.conf #tryinclude /", "outside the config folder")


# --- files beyond pjsip.conf ------------------------------------------------


def test_an_endpoint_in_the_pjsip_wizard_is_refused_naming_the_file(etc):
    _write(etc, "pjsip_wizard.conf", "[carrier]\ntype = wizard\nsends_auth = no\n")
    assert _named(_refused(etc), "pjsip_wizard.conf [carrier] section")


def test_an_empty_pjsip_wizard_is_fine(etc):
    _write(etc, "pjsip_wizard.conf", "; no wizard\n")
    check_directory(etc)


def test_pjsip_objects_mapped_elsewhere_by_sorcery_are_refused(etc):
    _write(etc, "sorcery.conf", "[res_pjsip]\nendpoint = realtime,ps_endpoints\n")
    assert _named(_refused(etc), "sorcery.conf [res_pjsip] endpoint")


def test_a_sorcery_mapping_of_another_module_is_fine(etc):
    _write(etc, "sorcery.conf", "[test]\nobject = memory\n")
    check_directory(etc)


@pytest.mark.parametrize("family", ["ps_endpoints", "extensions", "pjsip.conf"])
def test_a_realtime_mapping_in_extconfig_is_refused(etc, family):
    _write(etc, "extconfig.conf", f"[settings]\n{family} => odbc,asterisk\n")
    assert _named(_refused(etc), f"extconfig.conf [settings] {family}")


@pytest.mark.parametrize("key", ["enabled", "tlsenable"])
def test_an_http_server_is_refused(etc, key):
    _write(etc, "http.conf", f"[general]\n{key} = yes\n")
    assert _named(_refused(etc), f"http.conf [general] {key}")


def test_an_http_conf_that_keeps_the_server_off_is_fine(etc):
    _write(etc, "http.conf", "[general]\nenabled = no\n")
    check_directory(etc)


def test_the_manager_over_http_is_refused(etc):
    _write(etc, "http.conf", "[general]\nenabled = yes\n")
    manager = (etc / "manager.conf").read_text()
    (etc / "manager.conf").write_text(manager.replace("[general]\n", "[general]\n"
                                                      "webenabled = yes\n", 1))
    findings = _refused(etc)
    assert _named(findings, "manager.conf [general] webenabled")
    assert _named(findings, "http.conf [general] enabled")


def test_the_manager_over_tls_on_every_interface_is_refused(etc):
    manager = (etc / "manager.conf").read_text()
    (etc / "manager.conf").write_text(manager.replace("[general]\n", "[general]\n"
                                                      "tlsenable = yes\n", 1))
    assert _named(_refused(etc), "manager.conf [general] tlsbindaddr")


@pytest.mark.parametrize("key", ["blindxfer", "atxfer", "parkcall", "automon", "automixmon"])
def test_a_feature_key_that_transfers_parks_or_records_is_refused(etc, key):
    features = (etc / "features.conf").read_text()
    (etc / "features.conf").write_text(features.replace("[featuremap]\n",
                                                        f"[featuremap]\n{key} = #1\n"))
    assert _named(_refused(etc), f"features.conf [featuremap] {key}")


@pytest.mark.parametrize("app", ["Transfer(PJSIP/x)", "Park", "dial,PJSIP/x@trunk",
                                 "Originate(PJSIP/x,app,Wait)", "MixMonitor(x.wav)",
                                 "Monitor"])
def test_an_applicationmap_entry_that_moves_or_records_a_call_is_refused(etc, app):
    _append(etc, "features.conf", f"grab => *8,peer,{app}\n")
    name = app.split("(")[0].split(",")[0].lower()
    assert _named(_refused(etc), "features.conf [applicationmap] grab", f"runs {name}")


def test_the_rendered_someone_else_answered_feature_is_fine(etc):
    assert "safedial-other-answered => *7,self,Gosub(" in (etc / "features.conf").read_text()
    check_directory(etc)


# --- names compared as Asterisk compares them -------------------------------


def test_an_endpoint_typed_in_capitals_is_judged(etc):
    _append(etc, "pjsip.conf", "[carrier]\nType = Endpoint\nSEND_DIVERSION = yes\n")
    assert _named(_refused(etc), "pjsip.conf [carrier] send_diversion")


def test_an_option_spelt_in_capitals_counts(etc):
    _append(etc, "pjsip.conf", "[Trunk](+)\nTRUST_ID_OUTBOUND = yes\nSend_PAI = yes\n")
    assert _named(_refused(etc), "pjsip.conf [trunk] send_pai")


def test_options_inherited_from_a_template_in_an_include_count(etc):
    _write(etc, "pjsip.d/carrier.conf",
           "[carrier-defaults](!)\ntrust_id_outbound = yes\nsend_rpid = yes\n")
    _append(etc, "pjsip.conf", "#include pjsip.d/carrier.conf\n"
            "[carrier](CARRIER-DEFAULTS)\ntype = endpoint\n")
    assert _named(_refused(etc), "pjsip.conf [carrier] send_rpid")


def test_a_section_typed_twice_is_refused_and_judged_by_the_first_type_as_sorcery_reads_it(etc):
    _append(etc, "pjsip.conf", "[carrier]\ntype = endpoint\ntype = aor\nsend_diversion = yes\n")
    findings = _refused(etc)
    assert _named(findings, "pjsip.conf [carrier] type", "endpoint and aor")
    assert _named(findings, "pjsip.conf [carrier] send_diversion")


def test_a_global_section_without_a_type_is_judged_as_pjsip_reads_it(etc):
    _append(etc, "pjsip.conf", "[global](+)\ndebug = yes\n")
    pjsip = (etc / "pjsip.conf").read_text().replace("[global]\ntype = global\n", "[global]\n")
    (etc / "pjsip.conf").write_text(pjsip)
    assert _named(_refused(etc), "pjsip.conf [global] debug")


def test_a_general_section_spelt_in_capitals_is_judged(etc):
    manager = (etc / "manager.conf").read_text()
    (etc / "manager.conf").write_text(manager.replace("[general]", "[General]")
                                      .replace("bindaddr = 127.0.0.1\n", ""))
    assert _named(_refused(etc), "manager.conf [general] bindaddr")


# --- files SafeDial did not render -------------------------------------------


@pytest.mark.parametrize(
    "name", ["sip.conf", "pjsip_notify.conf", "ari.conf", "voicemail.conf", "pjsip.conf~"]
)
def test_a_file_safedial_did_not_render_is_refused_naming_it(etc, name):
    _write(etc, name, "[general]\n")
    assert _named(_refused(etc), f"{name} file", "did not render")


def test_a_file_pulled_in_by_an_include_is_judged_as_part_of_its_parent(etc):
    _write(etc, "pjsip-carrier.conf", "[carrier]\ntype = aor\n")
    _append(etc, "pjsip.conf", "#include pjsip-carrier.conf\n")
    check_directory(etc)


def test_texts_without_a_folder_are_judged_the_same_way(etc):
    texts = {path.name: path.read_text() for path in etc.iterdir()}
    assert findings_for(texts | {"sip.conf": ""}, lambda _t: None)[0].file == "sip.conf"


# --- the folder Asterisk reads its config from ------------------------------


def test_asterisk_conf_must_point_asterisk_at_the_checked_folder(etc):
    check_directory(etc, seen_as=etc)
    conf = (etc / "asterisk.conf").read_text()
    (etc / "asterisk.conf").write_text(conf.replace(f"astetcdir => {etc}", "astetcdir => /etc"))
    with pytest.raises(UnsafeConfig, match=r"asterisk\.conf \[directories\] astetcdir"):
        check_directory(etc, seen_as=etc)


def test_asterisk_conf_without_astetcdir_is_refused_it_means_etc_asterisk(etc):
    conf = (etc / "asterisk.conf").read_text()
    (etc / "asterisk.conf").write_text(conf.replace(f"astetcdir => {etc}\n", ""))
    with pytest.raises(UnsafeConfig, match="/etc/asterisk"):
        check_directory(etc, seen_as=etc)
