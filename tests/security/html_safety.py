"""Find active content in an HTML page: what an injected payload would need to run script."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Elements that run script, load other documents or restyle the page; none belongs in our pages
# (inline SVG does: the report charts; its scripts, handlers and links are checked like any others).
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "foreignobject",
                  "portal", "template", "noscript", "xmp", "plaintext"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
                  "srcset", "ping", "manifest", "values", "to", "from", "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
ALLOWED_SCRIPTS = {"/static/htmx.min.js", "/static/forms.js", "/static/copy.js", "/static/scripting.js"}
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")  # browsers drop these before reading the scheme


class ActiveContentFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script":
            self._in_script = True
            if urlsplit(values.get("src", "")).path not in ALLOWED_SCRIPTS:
                self.problems.append(f"script {values}")
        elif tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> {values}")
        elif tag == "meta" and "http-equiv" in values:
            self.problems.append(f"<meta http-equiv> {values}")
        elif tag == "link" and not urlsplit(values.get("href", "")).path.startswith("/static/"):
            self.problems.append(f"<link> {values}")
        for name, value in values.items():
            if name.startswith("on") or name.startswith("hx-on") or name in {"srcdoc", "formaction"}:
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and _IGNORED_IN_URLS.sub("", value).lower().startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in {"hx-vals", "hx-headers"} and value.strip().lower().startswith(("js:", "javascript:")):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")


def active_content(html: str) -> list[str]:
    finder = ActiveContentFinder()
    finder.feed(html)
    finder.close()
    return finder.problems
