"""Live pages: the list of lives on air and coming up, and one live with its stream, products and chat."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlparse

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.forms import EmptyForm
from ...core.web import allow_media_origin, unit_of_work
from .. import bp, queries, quick_replies, services
from ..trust import checklist, overlays, reports, rules

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")


def stream_embed(url: str | None) -> tuple[str, str | None]:
    """('youtube' | 'facebook' | 'hls' | 'link' | 'none', src) for the player box; only hosts the CSP allows."""
    if not url:
        return "none", None
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if host in ("youtu.be", "www.youtube.com", "youtube.com", "m.youtube.com"):
        video = parsed.path.strip("/") if host == "youtu.be" else (
            parse_qs(parsed.query).get("v", [""])[0] or parsed.path.rstrip("/").rsplit("/", 1)[-1])
        if YOUTUBE_ID.match(video or ""):
            return "youtube", f"https://www.youtube-nocookie.com/embed/{video}"
    if host in ("www.facebook.com", "facebook.com", "fb.watch", "m.facebook.com"):
        return "facebook", "https://www.facebook.com/plugins/video.php?href=" + quote(url, safe="")
    if parsed.path.endswith(".m3u8"):
        return "hls", url
    return "link", url


@bp.get("/")
def index():
    return render_template("livestream/index.html", lives=queries.current_and_upcoming(),
                           ended=queries.recently_ended(5))


@bp.get("/<int:session_id>")
def live_page(session_id: int):
    live = services.require_viewer(current_user, services.get_session(session_id))
    kind, src = stream_embed(live.external_stream_url)
    if kind == "hls":
        allow_media_origin(src)
    return render_template("livestream/live.html", live=live, catalog=queries.catalog(live),
                           messages=[queries.message_payload(m) for m in queries.recent_messages(live.id)],
                           stream_kind=kind, stream_src=src, signed_in=current_user.is_authenticated,
                           warning=overlays.payload(overlays.current_warning(live.id)),
                           report_reasons=reports.reason_labels(), form=EmptyForm())


@bp.get("/<int:session_id>/console")
@login_required
def console(session_id: int):
    live = services.open_console(current_user, services.get_session(session_id))
    return render_template("livestream/console.html", live=live, catalog=queries.catalog(live),
                           messages=[queries.console_message_payload(m) for m in queries.console_messages(live.id)],
                           queue=[queries.queue_line(r) for r in queries.held_queue(live.id)],
                           stats=queries.live_stats(live.id), replies=quick_replies.replies_for(live.organisation),
                           form=EmptyForm(), checks=checklist.run_checks(live),
                           hosts=checklist.host_candidates(live), rules_version=rules.current_rules().version,
                           warning=overlays.payload(overlays.current_warning(live.id)),
                           warning_presets=overlays.preset_texts())


@bp.post("/<int:session_id>/quick-replies")
@login_required
def save_quick_replies(session_id: int):
    """The organisation's one-tap answers, edited from the console (one a line)."""
    live = services.open_console(current_user, services.get_session(session_id))
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work() as done:
        quick_replies.save_replies(current_user, live.organisation, request.form.get("replies", ""))
    if done.ok:
        flash(_("Quick replies saved."), "success")
    return redirect(url_for("livestream.console", session_id=live.id) + "#console-chat")


@bp.get("/<int:session_id>/claims")
@login_required
def claims(session_id: int):
    live = services.require_viewer(current_user, services.get_session(session_id))
    if live.is_withheld and not (services.is_seller(current_user, live) or current_user.is_admin):
        return redirect(url_for("livestream.live_page", session_id=live.id))  # the page says why
    return render_template("livestream/claims.html", live=live, lines=queries.claim_log(live.id),
                           full_names=services.is_seller(current_user, live), mask_name=queries.mask_name,
                           me=current_user.id)
