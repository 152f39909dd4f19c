from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from learnhub.caching import kept_for_readers
from learnhub.courses import services as courses
from learnhub.curriculum import services
from learnhub.curriculum.forms import LearningSetForm, ModuleForm
from learnhub.curriculum.markdown import module_html_for_reader, render_markdown
from learnhub.curriculum.models import AUTHORED_LANGUAGES
from learnhub.errors import InvalidInput, NotFound
from learnhub.extensions import db
from learnhub.formflow import ConfirmForm, form_status, run_form
from learnhub.i18n import LANGUAGES, _, to_reader_script
from learnhub.navigation import requested_page
from learnhub.people.access import roles_required
from learnhub.people.models import Role, ServiceType
from learnhub.timeutil import utcnow

# Learning sets and modules as learners read them need cohorts and enrolments, so these pages live
# above both curriculum and courses; the blueprint keeps the name its URLs were given.
bp = Blueprint("curriculum", __name__)
authors = roles_required(Role.TRAINER, Role.INSTITUTE_ADMIN)


# --- public -------------------------------------------------------------------------------------

@bp.get("/learning-sets/<slug>")
def learning_set(slug: str):
    today = utcnow().date()

    def render() -> tuple[str, str]:
        version = services.published_version(slug)
        cohorts = courses.upcoming_cohorts(version.learning_set_id, today)
        return to_reader_script(version.display_title), render_template(
            "curriculum/_learning_set.html", version=version, cohorts=cohorts)

    # The same for every visitor: kept rendered until a learning set, module or cohort changes.
    title, body = kept_for_readers(courses.PUBLIC_CURRICULUM, f"learning-set:{slug}:{today}", render)
    return render_template("curriculum/learning_set.html", title=title, body=Markup(body))


@bp.get("/versions/<int:version_id>/modules/<module_slug>")
@login_required
def module(version_id: int, module_slug: str):
    version = services.get_version(version_id)
    if not courses.can_read_version(current_user, version):
        raise NotFound(_("We could not find that module."))
    # Relative links between module files ("02-next.md") arrive here with their extension.
    current = services.module_of(version, module_slug.removesuffix(".md"))
    done = services.completed_module_ids(current_user, [version.id])
    return render_template("curriculum/module.html", version=version, module=current, done=done,
                           body=module_html_for_reader(current.display_body), form=ConfirmForm())


# --- authoring ----------------------------------------------------------------------------------

def _texts(form, prefix: str) -> dict[str, str]:
    return {lang: getattr(form, f"{prefix}_{lang}").data or "" for lang in AUTHORED_LANGUAGES}


def _learning_set_form(version=None) -> LearningSetForm:
    form = LearningSetForm()
    form.service_types.choices = ServiceType.choices()
    form.languages.choices = list(LANGUAGES.items())
    if version is not None and not form.is_submitted():
        for lang in AUTHORED_LANGUAGES:
            getattr(form, f"title_{lang}").data = version.title.get(lang, "")
            getattr(form, f"summary_{lang}").data = version.summary.get(lang, "")
        form.service_types.data = [s.value for s in version.service_type_values]
        form.languages.data = version.language_codes
        form.hours.data, form.cpd_points.data = version.hours, version.cpd_points
        form.show_rule(version.rule)
    return form


@bp.get("/trainer/learning-sets")
@authors
def authoring_list():
    return render_template("curriculum/authoring_list.html",
                           page=services.authoring_page(requested_page(), current_app.config["PAGE_SIZE"]))


@bp.route("/trainer/learning-sets/new", methods=["GET", "POST"])
@authors
def new_learning_set():
    form = _learning_set_form()
    version = run_form(form, lambda: services.create_learning_set(
        current_user, form.slug.data or "", _texts(form, "title"), _texts(form, "summary"),
        form.service_types.data or [], form.languages.data or [], form.hours.data, form.cpd_points.data,
        form.rule()))
    if version:
        db.session.commit()
        flash(_("Draft created. Now add its modules."), "success")
        return redirect(url_for("curriculum.edit_version", version_id=version.id))
    return render_template("curriculum/learning_set_form.html", form=form, version=None), form_status(form)


@bp.route("/trainer/versions/<int:version_id>", methods=["GET", "POST"])
@authors
def edit_version(version_id: int):
    version = services.get_version(version_id)
    form = _learning_set_form(version)
    if run_form(form, lambda: services.update_draft(
            version, _texts(form, "title"), _texts(form, "summary"), form.service_types.data or [],
            form.languages.data or [], form.hours.data, form.cpd_points.data, form.rule())):
        db.session.commit()
        flash(_("Draft saved."), "success")
        return redirect(url_for("curriculum.edit_version", version_id=version.id))
    return _version_page(form, version), form_status(form)


def _version_page(form: LearningSetForm, version) -> str:
    """The draft's details and modules, each module with the languages it is written in and those the
    learning set lists but the module still lacks (publishing waits for them)."""
    missing: dict[str, list[str]] = {}
    for slug, language in services.missing_translations(version.language_codes, version.modules):
        missing.setdefault(slug, []).append(LANGUAGES[language])
    return render_template("curriculum/learning_set_form.html", form=form, version=version, missing=missing,
                           confirm_form=ConfirmForm())


@bp.post("/trainer/learning-sets/<int:learning_set_id>/drafts")
@authors
def start_draft(learning_set_id: int):
    draft = services.start_new_draft(current_user, learning_set_id)
    db.session.commit()
    flash(_("You are editing draft version %(number)d.", number=draft.number), "info")
    return redirect(url_for("curriculum.edit_version", version_id=draft.id))


@bp.post("/trainer/versions/<int:version_id>/publish")
@authors
def publish(version_id: int):
    version = services.get_version(version_id)
    try:
        services.publish(version)
    except InvalidInput as refusal:  # said on the page the trainer publishes from, not on an error page
        flash(str(refusal), "error")
        return _version_page(_learning_set_form(version), version), 400
    db.session.commit()
    flash(_("Version %(number)d is published.", number=version.number), "success")
    return redirect(url_for("curriculum.edit_version", version_id=version.id))


@bp.post("/trainer/versions/<int:version_id>/archive")
@authors
def archive(version_id: int):
    version = services.get_version(version_id)
    services.archive(version)
    db.session.commit()
    flash(_("The learning set is archived and no longer in the catalogue."), "info")
    return redirect(url_for("curriculum.authoring_list"))


def _module_form(current=None) -> ModuleForm:
    form = ModuleForm()
    if current is not None and not form.is_submitted():
        for lang in AUTHORED_LANGUAGES:
            getattr(form, f"title_{lang}").data = current.title.get(lang, "")
            getattr(form, f"body_{lang}").data = current.body.get(lang, "")
            getattr(form, f"outcomes_{lang}").data = "\n".join(current.outcomes.get(lang, []))
        form.duration_minutes.data, form.is_required.data = current.duration_minutes, current.is_required
    return form


@bp.route("/trainer/versions/<int:version_id>/modules/new", methods=["GET", "POST"], defaults={"module_id": None})
@bp.route("/trainer/versions/<int:version_id>/modules/<int:module_id>", methods=["GET", "POST"])
@authors
def edit_module(version_id: int, module_id: int | None):
    version = services.get_version(version_id)
    current = next((m for m in version.modules if m.id == module_id), None)
    if module_id is not None and current is None:
        raise NotFound(_("We could not find that module."))
    form = _module_form(current)
    saved = run_form(form, lambda: services.save_module(
        version, module_id, _texts(form, "title"), _texts(form, "body"),
        {lang: text.splitlines() for lang, text in _texts(form, "outcomes").items()},
        form.duration_minutes.data, form.is_required.data))
    if saved:
        db.session.commit()
        flash(_("Module saved."), "success")
        return redirect(url_for("curriculum.edit_version", version_id=version.id))
    return render_template("curriculum/module_form.html", form=form, version=version, module=current), form_status(form)


@bp.post("/trainer/preview")
@authors
def preview():
    """htmx: the Markdown being typed, rendered and sanitised exactly as learners will see it."""
    text = next((value for key, value in request.form.items() if key.startswith("body_")), "")
    return render_template("curriculum/_preview.html", html=render_markdown(text[:100_000]))
