from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from learnhub.courses import admission
from learnhub.extensions import db
from learnhub.i18n import LANGUAGE_COOKIE
from learnhub.main.next_steps import next_steps
from learnhub.main.services import set_language
from learnhub.navigation import safe_next_url
from learnhub.people.services import administered_organisations
from learnhub.timeutil import utcnow

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("main/index.html")


@bp.get("/dashboard")
@login_required
def dashboard():
    awaiting = admission.count_awaiting_decision(current_user) if admission.may_approve(current_user) else None
    return render_template("main/dashboard.html", administered=administered_organisations(current_user),
                           awaiting_approval=awaiting, next_steps=next_steps(current_user, utcnow()))


@bp.post("/language")
def change_language():
    language = set_language(current_user, request.form.get("language", ""))
    db.session.commit()
    response = redirect(safe_next_url(request.form.get("next")) or url_for("main.index"))
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico whatever the page names; the icon is one SVG in static/.
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")


