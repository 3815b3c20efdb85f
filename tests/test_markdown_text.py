"""Markdown as plain text, for calendar events: what a reader sees without HTML."""

from __future__ import annotations

from cop.markdown import markdown_to_text


def test_paragraphs_stay_and_lines_within_them_join():
    text = "A public webinar on the skills\nthat industry needs.\n\nSecond paragraph."
    assert markdown_to_text(text) == (
        "A public webinar on the skills that industry needs.\n\nSecond paragraph."
    )


def test_marks_go_and_links_keep_their_address():
    text = (
        "**Bold**, _em_, `code`, [the agenda](https://example.org/a) and <https://example.org/b>."
    )
    assert markdown_to_text(text) == (
        "Bold, em, code, the agenda (https://example.org/a) and https://example.org/b."
    )


def test_lists_keep_their_items_and_numbers():
    text = "Intro:\n\n- one\n- two\n  1. first\n  2. second\n\n3. three\n4. four"
    assert markdown_to_text(text) == (
        "Intro:\n\n- one\n- two\n  1. first\n  2. second\n\n3. three\n4. four"
    )


def test_headings_and_code_blocks_are_paragraphs():
    text = "# Programme\n\n```\n09:00 welcome\n10:00 visit\n```"
    assert markdown_to_text(text) == "Programme\n\n09:00 welcome\n10:00 visit"


def test_html_stays_as_typed_text():
    assert markdown_to_text("<script>alert(1)</script>") == "<script>alert(1)</script>"
    assert markdown_to_text("") == "" and markdown_to_text(None) == ""


def test_headings_start_at_h2_unless_a_lower_level_is_asked():
    from cop.markdown import render_markdown

    text = "# Plan\n\n## Day one\n\n###### Deep"
    assert render_markdown(text) == "<h2>Plan</h2>\n<h3>Day one</h3>\n<h6>Deep</h6>\n"
    assert render_markdown(text, level=3) == "<h3>Plan</h3>\n<h4>Day one</h4>\n<h6>Deep</h6>\n"
    assert render_markdown(text, 4).startswith("<h4>Plan</h4>\n<h5>Day one</h5>")


def test_the_markdown_filter_takes_the_level(app):
    with app.app_context():
        template = app.jinja_env.from_string(
            "{{ t|markdown }}|{{ t|markdown(3) }}|{{ t|markdown(level=4) }}"
        )
        assert template.render(t="# A") == "<h2>A</h2>\n|<h3>A</h3>\n|<h4>A</h4>\n"


def test_a_level_out_of_range_is_a_programming_error():
    import pytest

    from cop.markdown import render_markdown

    for level in (0, 1, 7):
        with pytest.raises(ValueError):
            render_markdown("# A", level=level)
