"""`flask --app learnhub curriculum validate|import [PATH]`: learning sets kept as files."""

from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask.cli import AppGroup

from learnhub.config import PROJECT_ROOT
from learnhub.curriculum.export import export_version
from learnhub.curriculum.files import CurriculumInvalid, import_tree, load_tree
from learnhub.curriculum.services import published_version
from learnhub.errors import NotFound
from learnhub.extensions import db
from learnhub.i18n import _, ngettext

group = AppGroup("curriculum", help="Learning sets kept as files.")
path_argument = click.argument("path", type=click.Path(path_type=Path), default=PROJECT_ROOT / "curriculum")


def register(app: Flask) -> None:
    app.cli.add_command(group)


def _exit_with_problems(error: CurriculumInvalid) -> NoReturn:
    for problem in error.problems:
        click.echo(str(problem))
    raise SystemExit(1)


@group.command("validate")
@path_argument
def validate_command(path: Path) -> None:
    """Check the learning set files and list every problem."""
    try:
        sources = load_tree(path)
    except CurriculumInvalid as error:
        _exit_with_problems(error)
    modules = sum(len(source.modules) for source in sources)
    click.echo(_("%(sets)s, %(modules)s: OK",
                 sets=ngettext("%(num)s learning set", "%(num)s learning sets", len(sources)),
                 modules=ngettext("%(num)s module", "%(num)s modules", modules)))


@group.command("import")
@path_argument
@click.option("--force", is_flag=True,
              help="Also replace learning sets published in the browser since their files were imported.")
def import_command(path: Path, force: bool) -> None:
    """Publish changed learning sets as new versions (nothing is written if a file has a problem)."""
    try:
        report = import_tree(path, force=force)
    except CurriculumInvalid as error:
        _exit_with_problems(error)
    db.session.commit()
    for slug in report.created:
        click.echo(_("%(slug)s: created", slug=slug))
    for slug, number in report.updated.items():
        click.echo(_("%(slug)s: new version %(number)s", slug=slug, number=number))
    for slug in report.unchanged:
        click.echo(_("%(slug)s: unchanged", slug=slug))
    for slug, version in report.skipped.items():
        author = version.created_by.display_name if version.created_by else _("someone")
        click.echo(_("%(slug)s: skipped: published in the browser on %(date)s by %(name)s. To keep both, write it "
                     "to files with 'flask curriculum export %(slug)s', bring in the file changes and import "
                     "again; --force replaces it with the files.",
                     slug=slug, date=f"{version.published_at:%Y-%m-%d %H:%M} UTC", name=author))


@group.command("export")
@click.argument("slug")
@path_argument
def export_command(slug: str, path: Path) -> None:
    """Write the published version of learning set SLUG to PATH/SLUG as files, in the format import reads."""
    try:
        folder = export_version(published_version(slug), path)
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    click.echo(_("%(slug)s: written to %(folder)s", slug=slug, folder=folder))
