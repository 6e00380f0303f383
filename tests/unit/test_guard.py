"""The config guard refuses every rendered config that could leak a number.

The shipped templates are rendered (pure text, no PBX) and must pass; then each
leak vector is opened by editing the rendered text, as an operator might, and
the guard must refuse it naming the setting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.pbx.guard import (
    ENDPOINT_DEFAULTS,
    GUARDED_FILES,
    UnsafeConfig,
    check_directory,
    check_texts,
    endpoint_defaults,
    findings_for,
)
from gateway.pbx.render import RuntimeLayout, ami_secret, render_texts, write_rendered
from gateway.settings import load_settings

ENDPOINT_HEAD = "[trunk]\ntype = endpoint\n"
GLOBAL_HEAD = "[global]\ntype = global\n"
WITHHOLD_DIAL_OPTIONS = 'If("Anonymous" <anonymous>)u(prohib)'
MASKED_DIAL_OPTIONS = "If(<${SAFEDIAL_MASKED_CALLERID}>)u(allowed)"
MASKED_DIAL = (
    "Dial(PJSIP/${SAFEDIAL_PARTICIPANT}@trunk,${SAFEDIAL_RING_TIMEOUT}," + MASKED_DIAL_OPTIONS
)


@pytest.fixture
def layout(tmp_path):
    return RuntimeLayout(tmp_path / "pbx")


@pytest.fixture
def rendered(layout):
    return render_texts(load_settings({}), layout)


def _no_includes(_target: str) -> None:
    return None


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the rendered text should hold {old!r} exactly once"
    return text.replace(old, new)


def _refusal(texts: dict[str, str]) -> UnsafeConfig:
    with pytest.raises(UnsafeConfig) as caught:
        check_texts(texts, _no_includes)
    return caught.value


def _with(rendered: dict[str, str], file: str, old: str, new: str) -> dict[str, str]:
    return rendered | {file: _edit(rendered[file], old, new)}


def test_the_shipped_config_passes_the_guard(rendered):
    assert findings_for(rendered, _no_includes) == []
    check_texts(rendered, _no_includes)


def test_the_shipped_config_renders_every_guarded_file(rendered):
    assert set(GUARDED_FILES) <= set(rendered)


def test_the_shipped_config_passes_with_other_lab_addresses(layout):
    settings = load_settings(
        {
            "SAFEDIAL_SIP_BIND": "127.0.0.5",
            "SAFEDIAL_TRUNK_HOST": "carrier.example.org",
            "SAFEDIAL_AMI_USER": "gateway_1",
            "SAFEDIAL_MASKED_NUMBER": "+12025550101",
        }
    )
    assert findings_for(render_texts(settings, layout), _no_includes) == []


def test_the_rendered_config_names_no_number_but_the_masked_one(rendered):
    holding = {name for name, text in rendered.items() if "2025550" in text}
    assert holding == {"extensions.conf"}
    assert "+12025550100" in rendered["extensions.conf"]
    assert "2025550199" not in rendered["extensions.conf"]


def test_the_ami_secret_is_generated_once_per_runtime_folder(layout):
    settings = load_settings({})
    first = ami_secret(settings, layout)
    assert len(first) >= 16
    assert ami_secret(settings, layout) == first
    assert layout.secret_file.stat().st_mode & 0o777 == 0o600


def test_a_configured_ami_secret_is_rendered_as_is(layout):
    chosen = "chosen-by-the-operator-0123"
    texts = render_texts(load_settings({"SAFEDIAL_AMI_SECRET": chosen}), layout)
    assert f"secret = {chosen}" in texts["manager.conf"]
    assert not layout.secret_file.exists()


def test_ipv6_addresses_are_bracketed_where_a_port_follows(layout):
    settings = load_settings({"SAFEDIAL_SIP_BIND": "::1", "SAFEDIAL_TRUNK_HOST": "::2"})
    pjsip = render_texts(settings, layout)["pjsip.conf"]
    assert "bind = [::1]:5160" in pjsip
    assert "contact = sip:[::2]:5070" in pjsip


# (text to replace, replacement, setting the refusal must name)
PJSIP_LEAKS = [
    pytest.param(
        ENDPOINT_HEAD, ENDPOINT_HEAD + "from_user = +12025550100\n", "from_user",
        id="numeric_from_user_on_the_trunk_endpoint",
    ),
    pytest.param(
        ENDPOINT_HEAD, ENDPOINT_HEAD + "from_user = 2025550100\n", "from_user",
        id="numeric_from_user_without_plus",
    ),
    pytest.param(
        ENDPOINT_HEAD, ENDPOINT_HEAD + "contact_user = 2025550100\n", "contact_user",
        id="numeric_contact_user_on_the_trunk_endpoint",
    ),
    pytest.param(
        "default_from_user = gw", "default_from_user = 2025550100", "default_from_user",
        id="numeric_default_from_user_in_global",
    ),
    pytest.param(
        "use_callerid_contact = no", "use_callerid_contact = yes", "use_callerid_contact",
        id="use_callerid_contact_yes",
    ),
    pytest.param(
        "send_pai = no\nsend_rpid = no\ntrust_id_outbound = no",
        "send_pai = yes\nsend_rpid = no\ntrust_id_outbound = yes",
        "send_pai",
        id="send_pai_with_trust_id_outbound",
    ),
    pytest.param(
        "send_pai = no\nsend_rpid = no\ntrust_id_outbound = no",
        "send_pai = no\nsend_rpid = yes\ntrust_id_outbound = yes",
        "send_rpid",
        id="send_rpid_with_trust_id_outbound",
    ),
    pytest.param(
        "send_connected_line = no\n", "", "send_connected_line",
        id="send_connected_line_left_at_its_default",
    ),
    pytest.param(
        "send_connected_line = no", "send_connected_line = yes", "send_connected_line",
        id="send_connected_line_yes",
    ),
    pytest.param(
        "trust_connected_line = no", "trust_connected_line = yes", "trust_connected_line",
        id="trust_connected_line_yes",
    ),
    pytest.param(
        "trust_connected_line = no\n", "", "trust_connected_line",
        id="trust_connected_line_left_at_its_default",
    ),
    pytest.param(
        "trust_id_inbound = no", "trust_id_inbound = yes", "trust_id_inbound",
        id="trust_id_inbound_yes",
    ),
    pytest.param(
        "send_diversion = no", "send_diversion = yes", "send_diversion",
        id="send_diversion_yes",
    ),
    pytest.param(
        "send_diversion = no\n", "", "send_diversion",
        id="send_diversion_left_at_its_default",
    ),
    pytest.param(
        "send_history_info = no", "send_history_info = yes", "send_history_info",
        id="send_history_info_yes",
    ),
    pytest.param(
        ENDPOINT_HEAD, ENDPOINT_HEAD + "stir_shaken = yes\n", "stir_shaken",
        id="stir_shaken_yes",
    ),
    pytest.param(
        ENDPOINT_HEAD, ENDPOINT_HEAD + "stir_shaken_profile = attest\n", "stir_shaken_profile",
        id="stir_shaken_profile_set",
    ),
    pytest.param(
        GLOBAL_HEAD, GLOBAL_HEAD + "debug = yes\n", "debug",
        id="pjsip_global_debug_yes",
    ),
    pytest.param(
        "send_connected_line = no", "send_connected_line = true", "send_connected_line",
        id="send_connected_line_true_spelt_otherwise",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "setting"), PJSIP_LEAKS)
def test_a_pjsip_leak_is_refused_naming_the_setting(rendered, old, new, setting):
    refusal = _refusal(_with(rendered, "pjsip.conf", old, new))
    assert setting in str(refusal)
    assert "pjsip.conf" in str(refusal)
    assert setting in {finding.setting for finding in refusal.findings}


@pytest.mark.parametrize("version", [16, 22, None], ids=["16", "22", "unknown"])
@pytest.mark.parametrize(("old", "new", "setting"), PJSIP_LEAKS)
def test_a_pjsip_leak_is_refused_whichever_release_will_run(rendered, old, new, setting,
                                                            version):
    texts = _with(rendered, "pjsip.conf", old, new)
    assert setting in {finding.setting for finding in findings_for(texts, _no_includes, version)}


@pytest.mark.parametrize("version", [16, 22, None], ids=["16", "22", "unknown"])
def test_the_shipped_config_passes_for_each_release(rendered, version):
    assert findings_for(rendered, _no_includes, version) == []


def test_an_unknown_release_counts_an_option_on_if_any_release_defaults_it_on():
    strictest = endpoint_defaults(None)
    for table in ENDPOINT_DEFAULTS.values():
        for key, value in table.items():
            if value == "yes":
                assert strictest[key] == "yes", key


def test_the_defaults_are_asterisks_own_for_16_and_22():
    # res/res_pjsip/pjsip_configuration.c of 16.28.0 and 22.10.1
    for version in (16, 22):
        on = {key for key, value in ENDPOINT_DEFAULTS[version].items() if value == "yes"}
        assert on == {"send_connected_line", "trust_connected_line", "send_diversion",
                      "direct_media", "allow_transfer"}
    assert ENDPOINT_DEFAULTS[16]["stir_shaken"] == "off"
    assert "stir_shaken" not in ENDPOINT_DEFAULTS[22], "22 ignores it (stir_shaken_profile)"


def test_send_pai_without_trust_id_outbound_is_allowed(rendered):
    texts = _with(rendered, "pjsip.conf", "send_pai = no", "send_pai = yes")
    assert findings_for(texts, _no_includes) == []


def test_a_numeric_from_user_in_a_template_is_refused_on_the_endpoint_using_it(rendered):
    texts = _with(
        rendered,
        "pjsip.conf",
        ENDPOINT_HEAD,
        "[carrier](!)\nfrom_user = 2025550100\n\n[trunk](carrier)\ntype = endpoint\n",
    )
    refusal = _refusal(texts)
    assert [(finding.section, finding.setting) for finding in refusal.findings] == [
        ("trunk", "from_user")
    ]


EXTENSIONS_LEAKS = [
    pytest.param(
        "[safedial-call]\n", "[safedial-call-old]\n", "safedial-call",
        id="participant_context_missing",
    ),
    pytest.param(
        " same => n,Set(CALLERID(pres)=prohib)\n", "", "CALLERID(pres)",
        id="presentation_prohib_line_removed",
    ),
    pytest.param(
        WITHHOLD_DIAL_OPTIONS, "", "Dial",
        id="withhold_dial_without_f_and_u",
    ),
    pytest.param(
        WITHHOLD_DIAL_OPTIONS, 'If("Anonymous" <anonymous>)', "Dial",
        id="withhold_dial_without_u",
    ),
    pytest.param(
        WITHHOLD_DIAL_OPTIONS, "u(prohib)", "Dial",
        id="withhold_dial_without_f",
    ),
    pytest.param(
        MASKED_DIAL_OPTIONS, "", "Dial",
        id="masked_dial_without_f_and_u",
    ),
    pytest.param(
        " same => n,Set(CALLERID(pres)=allowed)\n", "", "CALLERID(pres)",
        id="masked_presentation_not_set_right_before_dial",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "setting"), EXTENSIONS_LEAKS)
def test_a_dialplan_leak_is_refused_naming_the_setting(rendered, old, new, setting):
    refusal = _refusal(_with(rendered, "extensions.conf", old, new))
    assert setting in str(refusal)
    assert "extensions.conf" in str(refusal)


@pytest.mark.parametrize(
    "module",
    ["cdr_csv.so", "res_pjsip_logger.so", "cel_custom.so", "res_hep.so", "res_stir_shaken.so",
     "res_cdrel_custom.so", "cdr_pgsql.so", "cel_odbc.so", "chan_websocket.so",
     "chan_audiosocket.so", "res_websocket_client.so", "res_aeap.so", "res_prometheus.so",
     "app_voicemail.so"],
)
def test_a_number_writing_module_no_longer_refused_by_noload_is_refused(rendered, module):
    refusal = _refusal(_with(rendered, "modules.conf", f"noload => {module}\n", ""))
    assert module in str(refusal)
    assert [finding.setting for finding in refusal.findings] == [module]


def test_a_number_writing_module_loaded_by_name_is_refused(rendered):
    texts = _with(rendered, "modules.conf", "autoload = yes", "autoload = no\nload => cdr_csv.so")
    assert "cdr_csv.so" in str(_refusal(texts))


CONSOLE = "console => notice,warning,error"

LOGGER_LEAKS = [
    *(pytest.param(CONSOLE, f"{CONSOLE}\nmessages => {levels}", "messages",
                   id=f"a_file_logs_{name}")
      for name, levels in (("notice", "notice"), ("warning", "warning"), ("verbose", "verbose"),
                           ("verbose_with_level", "verbose(3)"), ("debug", "debug"),
                           ("dtmf", "dtmf"), ("security", "security"), ("everything", "*"),
                           ("errors_only", "error"), ("notice_warning_error",
                                                      "notice,warning,error"))),
    pytest.param(
        CONSOLE, f"{CONSOLE}\nsyslog.local0 => error", "syslog.local0",
        id="syslog_keeps_errors",
    ),
    pytest.param(
        CONSOLE, f"{CONSOLE}\n/var/log/elsewhere => error", "/var/log/elsewhere",
        id="a_file_outside_the_runtime_folder",
    ),
    pytest.param(
        "queue_log = no\n", "", "queue_log",
        id="queue_log_left_at_its_default",
    ),
    pytest.param(
        "queue_log = no", "queue_log = yes", "queue_log",
        id="queue_log_yes",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "setting"), LOGGER_LEAKS)
def test_a_logger_that_writes_anything_to_disk_is_refused_naming_the_channel(
    rendered, old, new, setting
):
    refusal = _refusal(_with(rendered, "logger.conf", old, new))
    assert setting in str(refusal)
    assert "logger.conf" in str(refusal)


def test_the_shipped_logger_writes_no_file(rendered):
    channels = [line.split("=>")[0].strip() for line in rendered["logger.conf"].splitlines()
                if "=>" in line and not line.lstrip().startswith(";")]
    assert channels == ["console"]


def test_verbose_on_the_console_is_allowed(rendered):
    texts = _with(rendered, "logger.conf", CONSOLE, "console => notice,warning,error,verbose")
    assert findings_for(texts, _no_includes) == []


@pytest.mark.parametrize("file", ["cdr.conf", "cel.conf"])
@pytest.mark.parametrize(
    "new", [pytest.param("enable = yes", id="enable_yes"), pytest.param("", id="enable_left_out")]
)
def test_call_records_switched_on_are_refused(rendered, file, new):
    refusal = _refusal(_with(rendered, file, "enable = no", new))
    assert file in str(refusal)
    assert "enable" in str(refusal)


MANAGER_LEAKS = [
    pytest.param(
        "read = call,user,originate", "read = call,user,originate,dialplan", "read",
        id="read_gains_dialplan",
    ),
    pytest.param(
        "read = call,user,originate", "read = all", "read",
        id="read_all",
    ),
    pytest.param(
        "bindaddr = 127.0.0.1", "bindaddr = 0.0.0.0", "bindaddr",
        id="bindaddr_every_interface",
    ),
    pytest.param(
        "bindaddr = 127.0.0.1\n", "", "bindaddr",
        id="bindaddr_left_at_its_default",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "setting"), MANAGER_LEAKS)
def test_an_ami_leak_is_refused_naming_the_setting(rendered, old, new, setting):
    refusal = _refusal(_with(rendered, "manager.conf", old, new))
    assert setting in str(refusal)
    assert "manager.conf" in str(refusal)


def test_a_dialplan_refusal_names_the_grant(rendered):
    texts = _with(rendered, "manager.conf", "read = call,user,originate", "read = call,dialplan")
    assert "grants dialplan" in str(_refusal(texts))


@pytest.mark.parametrize("file", GUARDED_FILES)
def test_a_missing_guarded_file_is_refused(rendered, file):
    texts = {name: text for name, text in rendered.items() if name != file}
    refusal = _refusal(texts)
    assert f"{file} file: is missing" in str(refusal)


@pytest.mark.parametrize("file", GUARDED_FILES)
def test_exec_in_a_guarded_file_is_refused(rendered, file):
    texts = rendered | {file: rendered[file] + "#exec /usr/local/bin/more-config\n"}
    refusal = _refusal(texts)
    assert "#exec" in str(refusal)
    assert file in str(refusal)


def test_a_file_the_reader_cannot_parse_is_refused(rendered):
    texts = rendered | {"cdr.conf": "enable = no\n"}
    assert "cdr.conf syntax" in str(_refusal(texts))


def test_every_finding_is_reported_at_once(rendered):
    texts = _with(rendered, "pjsip.conf", "send_diversion = no", "send_diversion = yes")
    texts = _with(texts, "cdr.conf", "enable = no", "enable = yes")
    settings = {finding.setting for finding in _refusal(texts).findings}
    assert settings == {"send_diversion", "enable"}


def test_the_refusal_has_a_stable_error_id(rendered):
    texts = _with(rendered, "cel.conf", "enable = no", "enable = yes")
    assert _refusal(texts).error_id == "pbx-config-unsafe"


def test_the_written_runtime_folder_passes_the_guard(rendered, layout):
    write_rendered(layout, rendered)
    check_directory(layout.etc)


def test_a_hand_edit_in_the_runtime_folder_is_refused(rendered, layout):
    write_rendered(layout, rendered)
    pjsip = layout.etc / "pjsip.conf"
    pjsip.write_text(_edit(pjsip.read_text(), "send_diversion = no", "send_diversion = yes"))
    with pytest.raises(UnsafeConfig, match="send_diversion"):
        check_directory(layout.etc)


def test_a_file_missing_from_the_runtime_folder_is_refused(rendered, layout):
    write_rendered(layout, rendered)
    (layout.etc / "cel.conf").unlink()
    with pytest.raises(UnsafeConfig, match=r"cel\.conf file: is missing"):
        check_directory(layout.etc)


def test_an_included_file_in_the_runtime_folder_is_judged_too(rendered, layout):
    write_rendered(layout, rendered)
    (layout.etc / "pjsip-extra.conf").write_text("[debugging]\ntype = global\ndebug = yes\n")
    pjsip = layout.etc / "pjsip.conf"
    pjsip.write_text(pjsip.read_text() + '#include "pjsip-extra.conf"\n')
    with pytest.raises(UnsafeConfig, match=r"\[debugging\] debug"):
        check_directory(layout.etc)


def test_an_include_missing_from_the_runtime_folder_is_refused(rendered, layout):
    write_rendered(layout, rendered)
    pjsip = layout.etc / "pjsip.conf"
    pjsip.write_text(pjsip.read_text() + "#include gone.conf\n")
    with pytest.raises(UnsafeConfig, match=r"cannot read #include gone\.conf"):
        check_directory(layout.etc)


def test_written_config_files_are_private_to_the_owner(rendered, layout):
    write_rendered(layout, rendered)
    assert {(path.stat().st_mode & 0o777) for path in layout.etc.iterdir()} == {0o600}


# Hand edits that Asterisk reads as a leak but the guard does not see.
GUARD_BLIND_SPOTS = [
    pytest.param(
        "pjsip.conf", "send_history_info = no\n",
        "send_history_info = no\n;---------- carrier needs ----------\n"
        "send_pai = yes\ntrust_id_outbound = yes\n",
        "send_pai",
        id="leak_after_a_dashed_banner_comment",
    ),
    pytest.param(
        "pjsip.conf", "send_history_info = no\n",
        "send_history_info = no\n;-- carrier needs --; send_connected_line = yes\n",
        "send_connected_line",
        id="leak_after_a_one_line_block_comment",
    ),
    pytest.param(
        "pjsip.conf", "[trunk]\ntype = aor\n",
        "[trunk](+)\nsend_connected_line = yes\n\n[trunk]\ntype = aor\n",
        "send_connected_line",
        id="leak_appended_with_a_plus_section",
    ),
    pytest.param(
        "pjsip.conf",
        ENDPOINT_HEAD + "transport = transport-udp\n",
        "[identity]\nfrom_user = 12025550100\n\n[trunk](identity)\n"
        "type = endpoint\ntransport = transport-udp\n",
        "from_user",
        id="leak_inherited_from_a_plain_section",
    ),
    pytest.param(
        "pjsip.conf", "send_history_info = no\n",
        "send_history_info = no\nSend_Connected_Line = yes\n",
        "send_connected_line",
        id="leak_spelt_with_capitals",
    ),
    pytest.param(
        "modules.conf", "autoload = yes", "autoload = no\nload => cdr_csv",
        "cdr_csv",
        id="module_loaded_without_its_so_suffix",
    ),
    pytest.param(
        "extensions.conf", MASKED_DIAL, MASKED_DIAL.replace("Dial(", "dial(").replace(
            MASKED_DIAL_OPTIONS, ""
        ),
        "Dial",
        id="participant_dial_spelt_in_lower_case",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("file", "old", "new", "setting"), GUARD_BLIND_SPOTS)
def test_a_leak_asterisk_would_read_is_refused_however_it_is_written(
    rendered, file, old, new, setting
):
    assert setting in str(_refusal(_with(rendered, file, old, new)))


def _rendered(**env: str) -> dict[str, str]:
    return render_texts(load_settings(env), RuntimeLayout(Path("/tmp/safedial-guard-test")))


def _findings(texts: dict[str, str]) -> list[str]:
    return [f"{f.section} {f.setting}" for f in findings_for(texts, lambda _t: None)]


def test_the_asserted_identity_option_renders_exactly_what_the_guard_allows() -> None:
    texts = _rendered(SAFEDIAL_TRUNK_ASSERTED_IDENTITY="masked")
    assert "send_pai = yes" in texts["pjsip.conf"]
    assert 'If("Anonymous" <${SAFEDIAL_MASKED_CALLERID}>)u(prohib)' in texts["extensions.conf"]
    assert _findings(texts) == []


def test_asserted_identity_with_rpid_or_an_unpinned_dial_is_refused() -> None:
    texts = _rendered(SAFEDIAL_TRUNK_ASSERTED_IDENTITY="masked")
    with_rpid = {**texts, "pjsip.conf": texts["pjsip.conf"].replace("send_rpid = no",
                                                                    "send_rpid = yes")}
    assert _findings(with_rpid) == ["trunk send_rpid"]
    unpinned = {**texts, "extensions.conf": texts["extensions.conf"].replace(
        'If("Anonymous" <${SAFEDIAL_MASKED_CALLERID}>)', 'If("Anonymous" <anonymous>)')}
    assert _findings(unpinned) == ["trunk send_pai"]


def test_trust_hand_edited_into_the_default_config_is_refused() -> None:
    texts = _rendered()
    trusted = {**texts, "pjsip.conf": texts["pjsip.conf"].replace(
        "send_pai = no", "send_pai = yes").replace("trust_id_outbound = no",
                                                   "trust_id_outbound = yes")}
    assert _findings(trusted) == ["trunk send_pai"]
