"""The one way user Markdown becomes HTML: CommonMark, raw HTML escaped, then sanitised by nh3."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}


def render_markdown(text: str | None, level: int = 2) -> Markup:
    """Render Markdown written by a person to safe HTML.

    Headings move down so that # becomes h`level`: h2 by default, since every page has
    exactly one h1 of its own; 3 where the text sits under an h2 section of the page
    (`|markdown(level=3)` in a template). Links may only be http(s) or mailto and open
    nothing.
    """
    if not 2 <= level <= 6:
        raise ValueError(f"Markdown headings start at h2 to h6, not h{level}")
    if not text:
        return Markup("")
    tokens = _parser.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + level - 1, 6)}"
    html = _parser.renderer.render(tokens, _parser.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def markdown_to_text(text: str | None) -> str:
    """The same Markdown as plain text, for places that show no HTML (calendar events):
    paragraphs kept, lines within a paragraph joined, list items as "- ", links as
    "text (address)", emphasis and code marks dropped. Raw HTML stays as typed: the
    reader shows it as text."""
    if not text:
        return ""
    # (text, whether it starts a list item, the outermost list it is in: 0 for none)
    blocks: list[tuple[str, bool, int]] = []
    lists = 0  # how many outermost lists have opened
    prefixes: list[str] = []  # the marker ("- ", "1. ") of each open list item
    numbers: list[int | None] = []  # the next number of each open list (None: bullets)
    for token in _parser.parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            if not numbers:
                lists += 1
            start = token.attrGet("start") or 1 if token.type == "ordered_list_open" else None
            numbers.append(None if start is None else int(start))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
        elif token.type == "list_item_open":
            number = numbers[-1]
            prefixes.append("- " if number is None else f"{number}. ")
            if number is not None:
                numbers[-1] = number + 1
        elif token.type == "list_item_close":
            prefixes.pop()
        elif token.type in ("inline", "fence", "code_block", "hr"):
            if token.type == "inline":
                line = _inline_text(token.children or [])
            elif token.type == "hr":
                line = "---"
            else:
                line = token.content.rstrip("\n")
            starts_item = bool(prefixes) and not prefixes[-1].isspace()
            if prefixes:
                indent = "  " * (len(prefixes) - 1)
                line = indent + prefixes[-1] + line.replace("\n", "\n" + indent + "  ")
                prefixes[-1] = " " * len(prefixes[-1])  # later paragraphs of the same item
            blocks.append((line, starts_item, lists if prefixes else 0))
    # The items of a list stay on consecutive lines; everything else is a paragraph.
    out = []
    for index, (line, starts_item, _list) in enumerate(blocks):
        if index:
            same_list = blocks[index - 1][2] == blocks[index][2] != 0
            out.append("\n" if starts_item and same_list else "\n\n")
        out.append(line)
    return "".join(out)


def _inline_text(children) -> str:
    parts: list[str] = []
    links: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            links.append(str(child.attrGet("href") or ""))
            parts.append("\0")  # where the link's text starts
        elif child.type == "link_close":
            href = links.pop()
            start = len(parts) - 1 - parts[::-1].index("\0")
            label = "".join(parts[start + 1 :])
            del parts[start:]
            parts.append(
                label if label in (href, href.removeprefix("mailto:")) else f"{label} ({href})"
            )
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)
