"""Practice live pages: start a practice, follow a run (with its link to the real console), the score card."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...extensions import db
from .. import bp
from . import driver, queries, services
from .generator import PACE_SETTINGS
from .models import PACES


@bp.get("/practice/")
@login_required
def practice_start():
    running = services.running_run(current_user)
    return render_template("training/practice/start.html", paces=PACES, settings=PACE_SETTINGS,
                           products=services.own_products(current_user), running=running,
                           runs=queries.runs_of(current_user), pace_label=services.pace_label,
                           overview=queries.recent_runs() if current_user.is_trainer or current_user.is_admin
                           else [])


@bp.post("/practice/")
@login_required
def practice_create():
    ids = [int(i) for i in request.form.getlist("product_id") if i.isdigit() and len(i) < 10]
    run = services.start_practice(current_user, pace=request.form.get("pace"), product_ids=ids)
    db.session.commit()
    driver.start_driver(run.id)
    return redirect(url_for("livestream.console", session_id=run.session_id))


@bp.get("/practice/<int:run_id>")
@login_required
def practice_run(run_id: int):
    run = services.get_run(current_user, run_id)
    if run.status == "running" and run.session.state == "ended" and run.user_id == current_user.id:
        services.finish_practice(current_user, run)
        db.session.commit()
    elif run.status == "running" and run.user_id == current_user.id:
        driver.start_driver(run.id)  # after a restart of the server the buyers carry on
    delivered = sum(1 for c in run.comments if c.delivered_at is not None)
    return render_template("training/practice/run.html", run=run, delivered=delivered,
                           pace_label=services.pace_label,
                           tips=queries.tip_texts((run.result or {}).get("tips", [])))


@bp.post("/practice/<int:run_id>/finish")
@login_required
def practice_finish(run_id: int):
    run = services.get_run(current_user, run_id, manage=True)
    services.finish_practice(current_user, run)
    db.session.commit()
    return redirect(url_for("training.practice_run", run_id=run.id))


@bp.get("/practice/live/<int:session_id>")
@login_required
def practice_for_live(session_id: int):
    run = services.run_for_live(current_user, session_id)
    return redirect(url_for("training.practice_run", run_id=run.id))
