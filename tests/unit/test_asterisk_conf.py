"""The .conf reader must see what Asterisk sees: the guard judges its output."""

from __future__ import annotations

import pytest

from gateway.pbx.asterisk_conf import ConfigSyntaxError, parse


def _options(text: str, section: str) -> list[tuple[str, str]]:
    (found,) = parse("test.conf", text).named(section)
    return found.options


def test_sections_hold_their_options_in_order():
    conf = parse("test.conf", "[a]\nx = 1\ny=2\n\n[b]\nz = 3\n")
    assert [section.name for section in conf.sections] == ["a", "b"]
    assert _options("[a]\nx = 1\ny=2\n", "a") == [("x", "1"), ("y", "2")]
    assert conf.name == "test.conf"


def test_the_last_value_of_a_repeated_option_wins_and_all_are_kept():
    (section,) = parse("test.conf", "[a]\nallow = ulaw\nallow = alaw\n").sections
    assert section.get("allow") == "alaw"
    assert section.get_all("allow") == ["ulaw", "alaw"]
    assert section.get("missing") is None


def test_a_template_is_marked_and_left_out_of_the_concrete_sections():
    conf = parse("test.conf", "[base](!)\nx = 1\n[real](base)\ny = 2\n")
    (base,) = conf.named("base")
    assert base.is_template
    assert [section.name for section in conf.concrete()] == ["real"]


def test_a_section_inherits_its_templates_options_before_its_own():
    conf = parse("test.conf", "[base](!)\nx = 1\ny = 1\n[real](base)\ny = 2\n")
    (real,) = conf.named("real")
    assert real.templates == ("base",)
    assert real.options == [("x", "1"), ("y", "1"), ("y", "2")]
    assert real.get("y") == "2"


def test_templates_are_inherited_in_the_order_listed():
    text = "[a](!)\nv = a\n[b](!)\nv = b\nw = b\n[real](a,b)\n"
    (real,) = parse("test.conf", text).named("real")
    assert real.get_all("v") == ["a", "b"]
    assert real.get("w") == "b"


def test_a_template_can_inherit_from_a_template():
    text = "[a](!)\nx = 1\n[b](!,a)\ny = 2\n[real](b)\n"
    (real,) = parse("test.conf", text).named("real")
    assert real.options == [("x", "1"), ("y", "2")]


def test_a_repeated_section_name_gives_separate_sections():
    text = "[trunk]\ntype = endpoint\n[trunk]\ntype = aor\n"
    assert [section.get("type") for section in parse("pjsip.conf", text).named("trunk")] == [
        "endpoint",
        "aor",
    ]


def test_the_object_arrow_is_read_like_an_equals_sign():
    (section,) = parse("x.conf", "[ctx]\nexten => s,1,NoOp(a=b)\n same => n,Hangup()\n").sections
    assert section.options == [("exten", "s,1,NoOp(a=b)"), ("same", "n,Hangup()")]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        pytest.param("key = value ; a comment", "value", id="trailing-comment"),
        pytest.param("key = value;comment", "value", id="comment-without-space"),
        pytest.param("key = a\\;b", "a;b", id="escaped-semicolon"),
        pytest.param("key = a\\;b ; then a comment", "a;b", id="escape-then-comment"),
        pytest.param("key = ", "", id="empty-value"),
    ],
)
def test_comments_are_cut_and_escaped_semicolons_kept(line, value):
    assert _options(f"[s]\n{line}\n", "s") == [("key", value)]


def test_whole_line_comments_and_blank_lines_are_skipped():
    assert _options("; header\n\n[s]\n   ; indented comment\nkey = 1\n\n", "s") == [("key", "1")]


def test_a_block_comment_hides_every_line_inside_it():
    text = "[s]\na = 1\n;-- a block\nb = 2\n[t]\n--;\nc = 3\n"
    assert _options(text, "s") == [("a", "1"), ("c", "3")]


def test_a_one_line_block_comment_is_skipped():
    assert _options("[s]\n;-- note --;\na = 1\n", "s") == [("a", "1")]


def test_an_include_is_read_through_the_loader_in_place():
    files = {"extra.conf": "b = 2\n[t]\nc = 3\n"}
    conf = parse("main.conf", '[s]\na = 1\n#include "extra.conf"\nd = 4\n', files.get)
    assert [(section.name, section.options) for section in conf.sections] == [
        ("s", [("a", "1"), ("b", "2")]),
        ("t", [("c", "3"), ("d", "4")]),
    ]
    assert conf.directives == ["include extra.conf"]


def test_an_include_without_quotes_is_read_too():
    conf = parse("main.conf", "#include extra.conf\n", {"extra.conf": "[t]\nc = 3\n"}.get)
    assert [section.name for section in conf.sections] == ["t"]


def test_an_include_that_cannot_be_read_is_a_syntax_error_naming_file_and_line():
    with pytest.raises(
        ConfigSyntaxError, match=r"main\.conf line 2: cannot read #include gone\.conf"
    ):
        parse("main.conf", "[s]\n#include gone.conf\n", lambda _: None)


def test_an_include_without_a_loader_is_a_syntax_error():
    with pytest.raises(ConfigSyntaxError):
        parse("main.conf", "#include extra.conf\n")


def test_a_tryinclude_that_cannot_be_read_is_skipped():
    conf = parse("main.conf", "[s]\n#tryinclude gone.conf\na = 1\n", lambda _: None)
    assert conf.sections[0].options == [("a", "1")]
    assert conf.directives == ["tryinclude gone.conf"]


def test_an_include_loop_is_refused_not_followed_forever():
    with pytest.raises(ConfigSyntaxError, match="nested too deeply"):
        parse("loop.conf", "#include loop.conf\n", {"loop.conf": "#include loop.conf\n"}.get)


def test_exec_is_recorded_and_never_run():
    asked = []
    conf = parse("main.conf", "[s]\n#exec /usr/bin/make-config\na = 1\n", asked.append)
    assert conf.directives == ["exec /usr/bin/make-config"]
    assert asked == []
    assert conf.sections[0].options == [("a", "1")]


def test_a_setting_outside_any_section_is_a_syntax_error_naming_the_line():
    with pytest.raises(
        ConfigSyntaxError, match=r"test\.conf line 2: setting outside any \[section\]"
    ):
        parse("test.conf", "; top\nkey = value\n")


def test_a_line_that_is_not_a_setting_is_a_syntax_error():
    with pytest.raises(ConfigSyntaxError, match="line 2: expected 'name = value'"):
        parse("test.conf", "[s]\njust words\n")


def test_the_line_numbers_of_options_are_kept():
    (section,) = parse("test.conf", "[s]\n\na = 1\n").sections
    assert section.lines == [(3, "a = 1")]


# Asterisk's own reader (main/config.c) differs from this one in the cases below;
# each lets a hand-edited file mean one thing to Asterisk and another to the guard.


def test_a_dashed_banner_comment_does_not_hide_the_lines_after_it():
    assert _options("[s]\n;---------- identity ----------\nsend_pai = yes\n", "s") == [
        ("send_pai", "yes")
    ]


def test_text_after_the_end_of_a_block_comment_is_read():
    assert _options("[s]\n;-- note --; send_pai = yes\n", "s") == [("send_pai", "yes")]


def test_a_block_comment_opened_after_a_setting_hides_the_lines_inside_it():
    text = "[s]\nsend_connected_line = yes ;-- old value follows\nsend_connected_line = no\n--;\n"
    assert _options(text, "s") == [("send_connected_line", "yes")]


def test_a_section_inherits_from_a_plain_section_as_well_as_from_a_template():
    text = "[base]\nsend_pai = yes\n[trunk](base)\ntype = endpoint\n"
    assert _options(text, "trunk") == [("send_pai", "yes"), ("type", "endpoint")]


def test_a_plus_section_adds_its_options_to_the_existing_section():
    text = "[trunk]\ntype = endpoint\nsend_pai = no\n[trunk](+)\nsend_pai = yes\n"
    assert [section.get("send_pai") for section in parse("pjsip.conf", text).named("trunk")] == [
        "yes"
    ]


def test_a_glob_include_reads_every_file_the_loader_lists_in_its_order():
    def load(target):
        assert target == "pjsip.d/*.conf"
        return [("pjsip.d/a.conf", "[a]\nx = 1\n"), ("pjsip.d/b.conf", "[b]\ny = 2\n")]

    conf = parse("pjsip.conf", '#tryinclude "pjsip.d/*.conf"\n', load)
    assert [section.name for section in conf.sections] == ["a", "b"]
    assert conf.included == ["pjsip.d/a.conf", "pjsip.d/b.conf"]


def test_a_glob_include_that_matches_nothing_is_a_syntax_error_only_for_include():
    assert parse("main.conf", "#tryinclude <d/*.conf>\n", lambda _: []).sections == []
    with pytest.raises(ConfigSyntaxError, match="cannot read #include d/"):
        parse("main.conf", "#include <d/*.conf>\n", lambda _: [])


def test_directives_are_read_in_any_case():
    conf = parse("main.conf", "#INCLUDE extra.conf\n", {"extra.conf": "[t]\nc = 3\n"}.get)
    assert [section.name for section in conf.sections] == ["t"]


def test_a_glob_that_includes_its_own_file_is_refused_not_followed():
    def load(_target):
        return [("a.conf", "[a]\n"), ("main.conf", "#include *.conf\n")]

    with pytest.raises(ConfigSyntaxError, match=r"loops back to main\.conf"):
        parse("main.conf", "#include *.conf\n", load)


def test_a_plus_section_adds_to_the_first_section_of_that_name_in_any_case():
    text = "[Trunk]\ntype = aor\n[trunk]\ntype = endpoint\n[TRUNK](+)\nx = 1\n"
    assert [section.get("x") for section in parse("pjsip.conf", text).sections] == ["1", None]


def test_a_plus_section_with_a_filter_adds_to_the_section_it_matches():
    text = "[trunk]\ntype = aor\n[trunk]\ntype = endpoint\n[trunk](+type=endpoint)\nx = 1\n"
    assert [section.get("x") for section in parse("pjsip.conf", text).sections] == [None, "1"]


def test_a_plus_section_for_a_missing_section_is_a_syntax_error():
    with pytest.raises(ConfigSyntaxError, match="does not exist"):
        parse("pjsip.conf", "[trunk](+)\nx = 1\n")


def test_inheritance_copies_the_first_section_of_that_name_in_any_case():
    text = "[base]\nx = 1\n[base]\nx = 2\n[real](BASE)\n"
    (real,) = parse("test.conf", text).named("real")
    assert real.get("x") == "1"
