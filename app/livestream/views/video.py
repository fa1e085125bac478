"""Live video routes: nginx-rtmp callbacks, HLS files in development, the seller's stream key page, the replay."""
from __future__ import annotations

import logging

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...errors import DomainError
from ...extensions import csrf, db, talisman
from .. import bp, broadcast, queries, recordings, services, video
from ..models import LiveSession
from ..trust import reports

log = logging.getLogger(__name__)


# nginx-rtmp callbacks -------------------------------------------------------------------------------

def _callback_guard() -> None:
    if not video.callback_allowed(request.remote_addr, token=request.args.get("token")):
        log.warning("video callback refused from %s", request.remote_addr)
        abort(403)


@bp.post("/video/rtmp/publish")
@csrf.exempt
@talisman(force_https=False)
def rtmp_publish():
    """on_publish: 302 to the relay application under the public name, or 403 (nginx then writes nothing)."""
    _callback_guard()
    if request.form.get("call", "publish") != "publish":
        abort(400)
    try:
        result = video.authorize_publish(request.form.get("name"))
        broadcast.video_state(result.stream.session_id, "on_air", started=result.went_live)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        log.info("publish refused: %s", exc.code)
        return Response(exc.code, status=403, mimetype="text/plain")
    response = Response("", status=302)
    response.headers["Location"] = result.relay_url
    return response


@bp.post("/video/rtmp/publish_done")
@csrf.exempt
@talisman(force_https=False)
def rtmp_publish_done():
    _callback_guard()
    stream = video.publish_done(request.form.get("name"))
    if stream is not None:
        broadcast.video_state(stream.session_id, stream.video_state)
    db.session.commit()
    return Response("", status=200)


@bp.post("/video/rtmp/update")
@csrf.exempt
@talisman(force_https=False)
def rtmp_update():
    """on_update while publishing: 403 drops a publisher whose key was regenerated or whose live ended."""
    _callback_guard()
    if request.form.get("call") == "update_play":
        return Response("", status=200)
    try:
        video.check_publishing(request.form.get("name"))
    except DomainError as exc:
        db.session.rollback()
        return Response(exc.code, status=403, mimetype="text/plain")
    db.session.rollback()
    return Response("", status=200)


@bp.post("/video/rtmp/record_done")
@csrf.exempt
@talisman(force_https=False)
def rtmp_record_done():
    _callback_guard()
    recordings.record_done(request.form.get("name"), request.form.get("path"))
    db.session.commit()
    return Response("", status=200)


@bp.get("/video/hls/<name>")
def hls_file(name: str):
    """The HLS folder in development (in production the site's nginx serves this path itself)."""
    if not video.SEGMENT_NAME.match(name):
        abort(404)
    response = send_from_directory(video.video_dir("hls"), name, max_age=0 if name.endswith(".m3u8") else 60)
    if name.endswith(".m3u8"):
        response.headers["Cache-Control"] = "no-cache"
        response.mimetype = "application/vnd.apple.mpegurl"
    else:
        response.mimetype = "video/mp2t"
    return response


# Lazy grace period: pages that show a live's state settle it first ------------------------------------

@bp.before_request
def _settle_video_state():
    if request.endpoint not in ("livestream.live_page", "livestream.console", "livestream.replay") \
            or not (request.view_args or {}).get("session_id"):
        return
    live = db.session.get(LiveSession, request.view_args["session_id"])
    stream = video.stream_of(live) if live is not None else None
    if stream is not None and video.settle(stream):
        broadcast.video_state(live.id, "ended", ended=True)
        db.session.commit()


@bp.app_template_global()
def video_player(live) -> dict | None:
    """The player's settings for a live that uses our RTMP ingest (it has a stream key), else None:
    the page then shows the external stream link as before."""
    if not video.setting("VIDEO_ENABLED"):
        return None
    stream = video.stream_of(live)
    seller = current_user.is_authenticated and services.is_seller(current_user, live)
    if stream is None:
        # Before the first key, only the organisation's members see a way in (beside the usual player box).
        return {"setup_only": True} if seller and live.state != "ended" else None
    return {"setup_only": False, "hls_url": f"{video.setting('VIDEO_HLS_URL').rstrip('/')}/{stream.public_name}.m3u8",
            "state": video.display_state(live, stream), "is_seller": seller,
            "replay": stream.replay_file is not None}


# Seller: the stream key -----------------------------------------------------------------------------

def _stream_key_page(live, new_key: str | None = None):
    stream = video.stream_of(live)
    return render_template("livestream/stream_key.html", live=live, stream=stream, new_key=new_key,
                           server_url=video.setting("VIDEO_RTMP_URL"),
                           grace_minutes=max(1, round(video.setting("VIDEO_GRACE_SECONDS") / 60)),
                           state=video.display_state(live, stream))


@bp.get("/<int:session_id>/stream-key")
@login_required
def stream_key(session_id: int):
    live = services.open_console(current_user, services.get_session(session_id))
    return _stream_key_page(live)


@bp.post("/<int:session_id>/stream-key")
@login_required
def regenerate_stream_key(session_id: int):
    live = services.get_session(session_id)
    try:
        key = video.issue_stream_key(current_user, live)[1]
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            raise
        flash(str(exc.message), "error")
        return redirect(url_for("livestream.stream_key", session_id=live.id))
    # The key in clear goes out once, in this answer's body: never into the session cookie (signed, not
    # encrypted) nor anywhere stored. The page then replaces this POST in the history, so a reload shows the hint.
    flash(_("Your new stream key is ready. The old key no longer works."), "success")
    response = make_response(_stream_key_page(live, new_key=key))
    response.headers["Cache-Control"] = "no-store"
    return response


# Replay ---------------------------------------------------------------------------------------------

def _replay_products(live):
    return [line for line in queries.catalog(live)
            if line.live_product.product.status == "active" and line.live_product.product.available > 0]


@bp.get("/<int:session_id>/replay")
def replay(session_id: int):
    live = services.require_viewer(current_user, services.get_session(session_id))
    stream = video.stream_of(live)
    ready = live.state == "ended" and stream is not None and stream.replay_file is not None and not live.is_withheld
    return render_template("livestream/replay.html", live=live, ready=ready,
                           products=[] if live.is_withheld else _replay_products(live),
                           report_reasons=reports.reason_labels(), signed_in=current_user.is_authenticated,
                           from_page="replay")


@bp.get("/<int:session_id>/replay.json")
def replay_data(session_id: int):
    live = services.require_viewer(current_user, services.get_session(session_id))
    stream = video.stream_of(live)
    if live.state != "ended" or stream is None or stream.replay_file is None or live.is_withheld:
        return jsonify({"ready": False}), 404
    timeline = recordings.replay_timeline(live)
    return jsonify({"ready": True, "video": url_for("livestream.replay_video", session_id=live.id), **timeline})


@bp.get("/<int:session_id>/replay.mp4")
def replay_video(session_id: int):
    live = services.require_viewer(current_user, services.get_session(session_id))
    stream = video.stream_of(live)
    if live.state != "ended" or stream is None or stream.replay_file is None or live.is_withheld:
        abort(404)
    # conditional=True: Range requests, so phones can seek without downloading the whole live.
    return send_from_directory(video.video_dir("replay"), stream.replay_file, mimetype="video/mp4",
                               conditional=True, max_age=3600)
