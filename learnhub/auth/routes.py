from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from learnhub.auth import services
from learnhub.auth.forms import AccountSetupForm, EmailForm, LoginForm, NewPasswordForm
from learnhub.extensions import db, mail_to_typed_addresses, password_checks
from learnhub.formflow import ConfirmForm, form_status, run_form
from learnhub.i18n import LANGUAGES, _, select_locale, to_reader_script
from learnhub.navigation import safe_next_url

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _setup_form() -> AccountSetupForm:
    form = AccountSetupForm()
    form.language.choices = list(LANGUAGES.items())
    if not form.is_submitted():
        form.language.data = select_locale()
    return form


def _sign_in(user, welcome: Callable[[], str]) -> None:
    """Start a fresh login session for this browser and welcome the person in their own language.

    The welcome is worded before the commit, which expires the person's row: worded after it, it would
    load the row and its roles again."""
    services.open_login_session(user)
    login_user(user)
    refresh()  # the page was read in the browser's language; from here on the person's own
    text = welcome()
    db.session.commit()
    flash(text, "success")


@bp.route("/login", methods=["GET", "POST"])
@password_checks
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _sign_in(user, lambda: _("Welcome back, %(name)s.", name=to_reader_script(user.display_name)))
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.dashboard"))
        db.session.commit()  # keeps the failed attempt in the audit log
        form.form_errors.append(_("The e-mail address or password is not correct."))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.close_login_session(current_user.session_token)
        db.session.commit()
        logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@mail_to_typed_addresses
def register():
    form = EmailForm()
    if run_form(form, lambda: services.start_signup(form.email.data, select_locale())):
        db.session.commit()
        return render_template("auth/check_inbox.html", email=form.email.data)
    return render_template(
        "auth/email_request.html", form=form, heading=_("Create an account"),
        intro=_("Enter your e-mail address. We will send you a link to finish creating your account."),
    ), form_status(form)


@bp.route("/register/<token>", methods=["GET", "POST"])
def complete_signup(token: str):
    email = services.signup_email(token)
    form = _setup_form()
    user = run_form(form, lambda: services.complete_signup(
        token, form.display_name.data or "", form.password.data or "", form.language.data, form.time_zone.data))
    if user:
        _sign_in(user, lambda: _("Your account is ready. Welcome to LearnHub!"))
        return redirect(url_for("main.dashboard"))
    return render_template("auth/setup_account.html", form=form, email=email), form_status(form)


@bp.route("/reset", methods=["GET", "POST"])
@mail_to_typed_addresses
def request_reset():
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/check_inbox.html", email=form.email.data, reset=True)
    return render_template(
        "auth/email_request.html", form=form, heading=_("Reset your password"),
        intro=_("Enter the e-mail address of your account and we will send you a link to choose a new password."),
    ), form_status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    services.user_for_reset_token(token)
    form = NewPasswordForm()
    if run_form(form, lambda: services.reset_password(token, form.password.data or "")):
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. Please log in with the new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), form_status(form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = services.pending_invitation(token)
    if current_user.is_authenticated:
        form = ConfirmForm()
        if run_form(form, lambda: services.accept_invitation(invitation, current_user)):
            db.session.commit()
            flash(_("You are now a member of %(name)s.", name=to_reader_script(invitation.organisation.name)), "success")
            return redirect(url_for("main.dashboard"))
    elif services.find_user_by_email(invitation.email):
        flash(_("Please log in to accept the invitation."), "info")
        return redirect(url_for("auth.login", next=request.path))
    else:
        form = _setup_form()
        user = run_form(form, lambda: services.accept_invitation_with_new_account(
            invitation, form.display_name.data or "", form.password.data or "", form.language.data,
            form.time_zone.data))
        if user:
            _sign_in(user, lambda: _("Your account is ready. Welcome to LearnHub!"))
            return redirect(url_for("main.dashboard"))
    return render_template("auth/invitation.html", form=form, invitation=invitation), form_status(form)
