from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from learnhub.auth import services as auth_services
from learnhub.extensions import db, mail_to_typed_addresses, password_checks
from learnhub.formflow import ConfirmForm, form_status, run_form
from learnhub.i18n import LANGUAGES, _, to_reader_script
from learnhub.navigation import requested_page
from learnhub.people import services
from learnhub.people.access import roles_required
from learnhub.people.forms import (
    EmailChangeForm,
    InviteForm,
    OrganisationForm,
    PasswordChangeForm,
    ProfileForm,
    RolesForm,
    SearchForm,
)
from learnhub.people.models import MembershipRole, Role, ServiceType

# The pages about people and organisations: here, not in `people`, because they need accounts,
# e-mail changes and invitations, which build on people (see the domain order in the README).
bp = Blueprint("people", __name__)


# --- own account -----------------------------------------------------------------------

@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    form.language.choices = list(LANGUAGES.items())
    if request.method == "GET":
        form.language.data = current_user.preferred_language
    if run_form(form, lambda: services.update_profile(
            current_user, form.display_name.data, form.language.data, form.time_zone.data)):
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("people.profile"))
    return render_template("people/profile.html", form=form), form_status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@password_checks
def change_password():
    form = PasswordChangeForm()
    if run_form(form, lambda: auth_services.change_password(
            current_user, form.current_password.data, form.new_password.data)):
        db.session.commit()
        login_user(current_user._get_current_object())  # the cookie now carries the new session token
        flash(_("Your password has been changed. Other devices have been signed out."), "success")
        return redirect(url_for("people.profile"))
    return render_template("people/change_password.html", form=form), form_status(form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@password_checks
@mail_to_typed_addresses
def change_email():
    form = EmailChangeForm()
    if run_form(form, lambda: auth_services.request_email_change(
            current_user, form.current_password.data, form.new_email.data)):
        db.session.commit()
        flash(_("We have sent a confirmation link to the new address. The change takes effect when you open it."),
              "info")
        return redirect(url_for("people.profile"))
    return render_template("people/change_email.html", form=form), form_status(form)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@login_required
def confirm_email_change(token: str):
    form = ConfirmForm()
    if run_form(form, lambda: auth_services.confirm_email_change(current_user, token)):
        db.session.commit()
        flash(_("Your e-mail address has been changed."), "success")
        return redirect(url_for("people.profile"))
    return render_template("people/confirm_email.html", form=form), form_status(form)


# --- organisation admins -------------------------------------------------------------------

def _invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = MembershipRole.choices()
    return form


@bp.get("/organisations/<int:organisation_id>/members")
@login_required
def members(organisation_id: int):
    organisation = services.organisation_for_admin(current_user, organisation_id)
    return render_template(
        "people/members.html",
        organisation=organisation,
        memberships=services.members_of(organisation),
        invitations=auth_services.pending_invitations_of(organisation),
        form=_invite_form(),
        confirm_form=ConfirmForm(),
    )


@bp.post("/organisations/<int:organisation_id>/invitations")
@login_required
@mail_to_typed_addresses
def invite(organisation_id: int):
    organisation = services.organisation_for_admin(current_user, organisation_id)
    form = _invite_form()
    invitation = run_form(form, lambda: auth_services.invite_member(
        organisation, current_user, form.email.data or "", services.parse_membership_role(form.role.data)))
    if invitation:
        db.session.commit()
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
        return redirect(url_for("people.members", organisation_id=organisation.id))
    return render_template(
        "people/members.html",
        organisation=organisation,
        memberships=services.members_of(organisation),
        invitations=auth_services.pending_invitations_of(organisation),
        form=form,
        confirm_form=ConfirmForm(),
    ), form_status(form)


@bp.post("/organisations/<int:organisation_id>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(organisation_id: int, invitation_id: int):
    organisation = services.organisation_for_admin(current_user, organisation_id)
    auth_services.revoke_invitation(organisation, invitation_id)
    db.session.commit()
    flash(_("The invitation has been withdrawn."), "info")
    return redirect(url_for("people.members", organisation_id=organisation.id))


@bp.post("/organisations/<int:organisation_id>/members/<int:membership_id>/remove")
@login_required
def remove_member(organisation_id: int, membership_id: int):
    organisation = services.organisation_for_admin(current_user, organisation_id)
    services.remove_member(organisation, current_user, membership_id)
    db.session.commit()
    flash(_("The member has been removed from the organisation."), "info")
    return redirect(url_for("people.members", organisation_id=organisation.id))


# --- institute admins ------------------------------------------------------------------------

@bp.get("/admin/users")
@roles_required(Role.INSTITUTE_ADMIN)
def admin_users():
    form = SearchForm(request.args)
    page = services.search_users(form.q.data or "", requested_page(), current_app.config["PAGE_SIZE"])
    return render_template("people/admin_users.html", form=form, page=page)


def _roles_form(user) -> RolesForm:
    form = RolesForm()
    form.roles.choices = Role.choices()
    if not form.is_submitted():
        form.roles.data = [r.value for r in user.role_set]
    return form


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.INSTITUTE_ADMIN)
def admin_user(user_id: int):
    user = services.get_user(user_id)
    form = _roles_form(user)
    if run_form(form, lambda: services.set_roles(current_user, user, form.roles.data or [])):
        db.session.commit()
        flash(_("Roles saved for %(name)s.", name=to_reader_script(user.display_name)), "success")
        return redirect(url_for("people.admin_user", user_id=user.id))
    return render_template("people/admin_user.html", user=user, form=form), form_status(form)


@bp.get("/admin/organisations")
@roles_required(Role.INSTITUTE_ADMIN)
def admin_organisations():
    form = SearchForm(request.args)
    page = services.search_organisations(form.q.data or "", requested_page(), current_app.config["PAGE_SIZE"])
    return render_template("people/admin_organisations.html", form=form, page=page)


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@roles_required(Role.INSTITUTE_ADMIN)
def new_organisation():
    form = OrganisationForm()
    form.municipality_id.choices = [(str(i), name) for i, name in services.municipality_choices()]
    form.service_types.choices = ServiceType.choices()
    organisation = run_form(form, lambda: services.create_organisation(
        form.name.data, form.municipality_id.data, form.service_types.data or []))
    if organisation:
        db.session.commit()
        flash(_("Organisation %(name)s created. Invite its admin now.", name=to_reader_script(organisation.name)), "success")
        return redirect(url_for("people.members", organisation_id=organisation.id))
    return render_template("people/new_organisation.html", form=form), form_status(form)
