"""Markdown to safe HTML: the only way article and edition bodies become HTML.

Editors are trusted staff, but an account can be stolen and pasted text can carry markup,
so every body goes through an allow-list sanitizer (nh3, the Rust ammonia library) after
Markdown: no script or style elements, no event-handler attributes, and links only to
http, https, mailto and tel (so never ``javascript:`` or ``data:``).
"""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3", "h4",
        "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def render_markdown(source: str) -> str:
    """Return sanitized HTML for ``source`` (Markdown, raw HTML in it is filtered too)."""
    html = markdown.markdown(source, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        # Links leave the site without handing it the reader's page as a referrer.
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
