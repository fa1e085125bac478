"""User-written Markdown rendered to HTML and cleaned with nh3."""
from __future__ import annotations

import re

import markdown as md
import nh3
from flask import current_app, has_app_context
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "img", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
LINK_REL = "nofollow noopener ugc"
# A picture uploaded here: /media/<generated key> (core/storage.py new_key), nothing else.
MEDIA_PATH = re.compile(r"/media/[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*/[0-9a-f]{32}\.[a-z0-9]{2,5}")


def _public_media_base() -> str | None:
    """Where pictures are served from when the files live in a bucket with its own address (S3_PUBLIC_URL)."""
    base = current_app.config.get("S3_PUBLIC_URL") if has_app_context() else None
    return base.rstrip("/") + "/" if base else None


def _keep_own_pictures(element: str, attribute: str, value: str) -> str | None:
    """Pictures only from this site's uploads: an outside address would tell a tracker who read the page."""
    if element != "img" or attribute != "src":
        return value
    if MEDIA_PATH.fullmatch(value):
        return value
    base = _public_media_base()
    if base and value.startswith(base) and MEDIA_PATH.fullmatch("/media/" + value[len(base):]):
        return value
    return None


def render_markdown(text: str | None) -> Markup:
    """Render Markdown and strip anything not in the allow-list (scripts, handlers, styles, outside pictures)."""
    if not text:
        return Markup("")
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_own_pictures,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
    )
    return Markup(cleaned)
