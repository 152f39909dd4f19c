"""Argon2id for new hashes; older hashes keep working and are upgraded at the next login."""

from werkzeug.security import generate_password_hash

from learnhub.auth.passwords import hash_password, needs_rehash, verify_password
from learnhub.extensions import db
from learnhub.people.models import User
from tests.factories import PASSWORD, UserFactory


def test_new_hashes_are_argon2id_and_verify(make_app):
    with make_app(PASSWORD_HASH_METHOD="argon2id").app_context():
        stored = hash_password("a long and unusual passphrase")
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert verify_password(stored, "a long and unusual passphrase")
        assert not verify_password(stored, "a long and unusual passphrasE")
        assert not verify_password("$argon2id$garbage", "anything") and not needs_rehash(stored)


def test_an_older_scrypt_hash_still_logs_in_and_is_upgraded(make_app):
    app = make_app(PASSWORD_HASH_METHOD="argon2id")
    client = app.test_client()
    with app.app_context():
        person = UserFactory(email="old@example.org", password_hash=generate_password_hash(PASSWORD, method="scrypt"))
        db.session.commit()
        assert client.post("/auth/login", data={"email": "old@example.org", "password": "wrong password!"}
                           ).status_code == 400
        assert db.session.get(User, person.id).password_hash.startswith("scrypt:")
        assert client.post("/auth/login", data={"email": "old@example.org", "password": PASSWORD}).status_code == 302
        db.session.expire_all()
        upgraded = db.session.get(User, person.id).password_hash
        assert upgraded.startswith("$argon2id$") and verify_password(upgraded, PASSWORD)
