import pytest

from learnhub.auth.services import check_password_rules
from learnhub.errors import InvalidInput

LONG_PASSPHRASE = ("Jutros je magla nad Drinom, a u Višegradu most stoji kao i uvijek; čaj od nane i šećer! " * 2)[:128]


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short pass", "at least 12"),
        ("x" * 257, "at most 256"),
        ("password1234", "too common"),
        ("qwertyuiop123", "too common"),
        ("111111111111", "too common"),
        ("mira@example.org", "too common"),  # the user's own e-mail
    ],
)
def test_weak_passwords_are_refused(app, password, problem):
    with pytest.raises(InvalidInput, match=problem):
        check_password_rules(password, email="mira@example.org", display_name="Mira")


@pytest.mark.parametrize("password", ["river lantern orchard 42", "Kiša pada na Zlatibor 7!", LONG_PASSPHRASE])
def test_strong_passwords_are_accepted_up_to_at_least_128_characters(app, password):
    assert len(LONG_PASSPHRASE) == 128
    check_password_rules(password)
