"""Destructive actions ask first: a <dialog> in the page (static/forms.js), or without JavaScript a page
that names the consequence and sends the same form again, confirmed."""

from flask import render_template, request

CONFIRMED = "confirmed"


def is_confirmed() -> bool:
    """Whether the person said yes: the dialog's or the confirmation page's button sends confirmed=1."""
    return request.form.get(CONFIRMED) == "1"


def confirmation_page(question: str, consequence: str, button: str, back_url: str) -> tuple[str, int]:
    """The question, its consequence and a form that sends what was sent (the CSRF token included) again,
    confirmed; "Cancel" goes back to `back_url`."""
    fields = [(name, value) for name, values in request.form.lists() if name != CONFIRMED for value in values]
    return render_template("main/confirm.html", question=question, consequence=consequence, button=button,
                           action=request.path, fields=fields, back_url=back_url), 200
