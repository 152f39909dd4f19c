"""Module content is rendered with markdown-it-py and cleaned by nh3: no active content survives."""

from html.parser import HTMLParser

import pytest

from learnhub.curriculum.markdown import render_markdown

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<svg onload=alert(1)>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "![x](javascript:alert(1))",
    "<details open ontoggle=alert(1)>",
    "[x](  javascript:alert(1)  )",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "`<script>` in code is text",
    "<form action=\"https://evil.example\"><input name=p></form>",
]


class _Elements(HTMLParser):
    """Collects the elements and attributes a browser would actually build (escaped text is not one)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


SAFE_TAGS = {"p", "a", "code", "pre", "strong", "em", "ul", "ol", "li", "h2", "h3", "blockquote", "br"}


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_no_active_content_survives(payload):
    for tag, attrs in _Elements(str(render_markdown(payload))).elements:
        assert tag in SAFE_TAGS, (payload, tag)
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (payload, name)
            if name in ("href", "src"):
                assert value.strip().lower().startswith(("http://", "https://", "mailto:")) or ":" not in value, value


def test_ordinary_markdown_keeps_its_structure_and_safe_links():
    html = str(render_markdown("## Practice\n\n- **pairs**\n- [next](02-next.md)\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<h2>Practice</h2>" in html and "<strong>pairs</strong>" in html and "<table>" in html
    assert 'href="02-next.md"' in html and 'rel="noopener noreferrer nofollow"' in html
