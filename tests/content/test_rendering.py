"""Article bodies: Markdown in, sanitized HTML out, whatever an editor (or thief) types."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.rendering import render_markdown
from tests.content.factories import ArticleFactory

C0_CONTROLS_AND_SPACE = "".join(chr(code) for code in range(0x21))
HOSTILE_PIECES = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "![img](javascript:alert(1))",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onclick="steal()">hi</p>',
    "<style>body{display:none}</style>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<form action="https://evil.example"><input name=q></form>',
    "<!-- <script>alert(1)</script> -->",
    "**bold** and _em_",
    "\n\n",
    "<",
    '"',
    "[ok](https://example.org)",
]


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def assert_safe(html: str) -> None:
    inspector = Inspector()
    inspector.feed(html)
    assert not {"script", "style", "iframe", "svg", "img", "form", "input"} & set(inspector.tags)
    for name, value in inspector.attributes:
        assert not name.startswith("on"), name
        assert name != "style"
        if name in ("href", "src"):
            assert url_scheme(value) in (None, "http", "https", "mailto", "tel"), value


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see (WHATWG URL: strip C0/space ends, drop tab/newline)."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip(C0_CONTROLS_AND_SPACE))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=20)), max_size=8))
def test_it_never_yields_scripts_event_handlers_or_javascript_links(pieces: list[str]) -> None:
    assert_safe(render_markdown("".join(pieces)))


@pytest.mark.parametrize("piece", HOSTILE_PIECES)
def test_each_known_attack_is_neutralised(piece: str) -> None:
    assert_safe(render_markdown(piece))


def test_it_keeps_ordinary_formatting_and_safe_links() -> None:
    html = render_markdown("## Dose\n\n- **2 g/kg** over [5 days](https://example.org/gbs)\n")

    assert "<h2>Dose</h2>" in html
    assert "<strong>2 g/kg</strong>" in html
    assert 'href="https://example.org/gbs"' in html
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.django_db
def test_saving_an_article_stores_only_sanitized_html() -> None:
    article = ArticleFactory.create(body_markdown='Hi <script>alert(1)</script><b onclick="x()">')

    article.body_markdown = "[bad](javascript:alert(1)) and <img src=x onerror=alert(1)>"
    article.save(update_fields=["body_markdown"])
    article.refresh_from_db()

    assert_safe(article.body_html)
    assert "bad" in article.body_html
