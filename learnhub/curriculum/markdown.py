"""Markdown → safe HTML: markdown-it-py renders, nh3 keeps only an allow-list of tags and URL schemes."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from learnhub.i18n import to_reader_script

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}


def render_markdown(text: str) -> Markup:
    html = _markdown.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


# A Serbian reading list cites foreign works in their own script, as Serbian Cyrillic publications do.
_READING = "<h2>Literatura</h2>"


def module_html_for_reader(text: str) -> Markup:
    """A module body as the reader sees it: Cyrillic readers get the text transliterated, up to its
    reading list, whose titles and authors stay as written."""
    html = str(render_markdown(text))
    body, heading, references = html.partition(_READING)
    return Markup(to_reader_script(body) + to_reader_script(heading) + references)
