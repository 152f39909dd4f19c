"""Account rules: passwords, sign-up, sessions, reset, e-mail change and invitations.

Answers never reveal whether an e-mail address has an account: where that would leak,
the address itself receives a mail that says what happened.
"""

import hmac

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload

from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.auth.models import Invitation, LoginSession
from learnhub.auth.passwords import hash_password, needs_rehash, spend_one_check, verify_password
from learnhub.auth.tokens import new_token, sign, token_hash, unsign
from learnhub.errors import Conflict, InvalidInput, NotFound
from learnhub.extensions import db
from learnhub.i18n import _, _l
from learnhub.locking import locked_or_none
from learnhub.mail.services import external_url, queue_email
from learnhub.people.models import Membership, MembershipRole, Organisation, Role, User, UserRole
from learnhub.people.services import check_profile
from learnhub.timeutil import utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


def normalise_email(raw: str) -> str:
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput(_("Please enter a valid e-mail address.")) from error
    return result.normalized.lower()


def check_password_rules(password: str, *, email: str = "", display_name: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("Use at least %(count)d characters for your password.", count=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(_("Use at most %(count)d characters for your password.", count=MAX_PASSWORD_LENGTH))
    from zxcvbn import zxcvbn  # its word lists weigh 12 MB per worker; only password changes need them

    # zxcvbn knows the lists of leaked and common passwords; score < 3 means guessable quickly.
    # It reads at most 72 characters; anything longer that starts strong is strong.
    if zxcvbn(password[:72], user_inputs=[email, display_name, "learnhub"])["score"] < 3:
        raise InvalidInput(
            _("This password is too common or too easy to guess. Try a few unrelated words together.")
        )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def create_user(
    email: str,
    display_name: str,
    password: str,
    *,
    language: str = "en",
    time_zone: str = "Europe/Belgrade",
    roles: tuple[Role, ...] = (Role.PROFESSIONAL,),
) -> User:
    email = normalise_email(email)
    check_profile(display_name, language, time_zone)
    check_password_rules(password, email=email, display_name=display_name)
    if find_user_by_email(email):
        raise Conflict(_("An account with this e-mail address already exists. Please log in."))
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        preferred_language=language,
        time_zone=time_zone,
        roles=[UserRole(role=role) for role in roles],
    )
    db.session.add(user)
    db.session.flush()
    return user


# --- sign-up ---------------------------------------------------------------------------

def start_signup(raw_email: str, language: str) -> str:
    """Mail a sign-up link, or, for a known address, a reminder that the account exists.

    Returns the normalised address; the caller answers the same either way."""
    email = normalise_email(raw_email)
    user = find_user_by_email(email)
    if user:
        queue_email(email, user.preferred_language, "account_exists", _l("You already have a LearnHub account"),
                    name=user.display_name, login_url=external_url("auth.login"),
                    reset_url=external_url("auth.request_reset"))
        return email
    link = external_url("auth.complete_signup", token=sign("signup", {"email": email}))
    queue_email(email, language, "signup", _l("Finish creating your LearnHub account"), link=link)
    return email


def signup_email(token: str) -> str:
    payload = unsign("signup", token, current_app.config["SIGNUP_TOKEN_MAX_AGE"])
    if not payload or "email" not in payload:
        raise InvalidInput(_("This link is invalid or has expired. Please start again."))
    return payload["email"]


def complete_signup(token: str, display_name: str, password: str, language: str, time_zone: str) -> User:
    return create_user(signup_email(token), display_name, password, language=language, time_zone=time_zone)


# --- log-in sessions ---------------------------------------------------------------------

def authenticate(raw_email: str, password: str) -> User | None:
    try:
        email = normalise_email(raw_email)
    except InvalidInput:
        email = ""
    user = find_user_by_email(email) if email else None
    if user is None or not user.is_active:
        spend_one_check(password)
        # Nothing about the typed address is kept: it may be a mistyped password.
        audit.record(AuditAction.LOGIN_FAILED, None, subject_user_id=user.id if user else None)
        return None
    if not verify_password(user.password_hash, password):
        audit.record(AuditAction.LOGIN_FAILED, None, subject_user_id=user.id)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(AuditAction.LOGIN_SUCCEEDED, user, subject_user_id=user.id)
    return user


def open_login_session(user: User) -> str:
    """A fresh session for this browser; the returned token is what the cookie holds."""
    token = new_token()
    db.session.add(LoginSession(user_id=user.id, token_hash=token_hash(token)))
    user.last_login_at = utcnow()
    user.session_token = token
    db.session.flush()
    return token


# Every signed-in request starts with this query, so it is built once: building it anew took half again
# as long as running it. It brings the user's roles and memberships (with their organisations, not the
# services those offer), which most pages ask about: joined here, rather than two more queries later.
_LOGIN_WITH_USER = (select(LoginSession).where(LoginSession.token_hash == bindparam("token_hash"))
                    .options(joinedload(LoginSession.user).options(
                        joinedload(User.roles),
                        joinedload(User.memberships).joinedload(Membership.organisation)
                        .lazyload(Organisation.services))))


def user_for_session_token(token: str) -> User | None:
    login = db.session.scalars(_LOGIN_WITH_USER, {"token_hash": token_hash(token)}).unique().first()
    if login is None or login.created_at < utcnow() - current_app.config["LOGIN_SESSION_LIFETIME"]:
        return None
    user = login.user
    user.session_token = token
    return user


def close_login_session(token: str) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def close_all_login_sessions(user: User) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


# --- password reset and change -------------------------------------------------------------

def _password_fingerprint(user: User) -> str:
    # Part of the reset link: once the password changes, older links stop working.
    return token_hash(user.password_hash)[:16]


def request_password_reset(raw_email: str) -> None:
    try:
        email = normalise_email(raw_email)
    except InvalidInput:
        return  # same answer as for an unknown address
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = sign("reset", {"uid": user.id, "fp": _password_fingerprint(user)})
    queue_email(user.email, user.preferred_language, "password_reset", _l("Reset your LearnHub password"),
                name=user.display_name, link=external_url("auth.reset_password", token=token))


def user_for_reset_token(token: str) -> User:
    payload = unsign("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"]) or {}
    user = db.session.get(User, payload.get("uid")) if payload else None
    if user is None or not hmac.compare_digest(str(payload.get("fp")), _password_fingerprint(user)):
        raise InvalidInput(_("This reset link is invalid, already used or expired. Please ask for a new one."))
    return user


def set_password(user: User, new_password: str) -> None:
    """Replace the password and sign out every browser (callers open a new session if they want one)."""
    check_password_rules(new_password, email=user.email, display_name=user.display_name)
    user.password_hash = hash_password(new_password)
    close_all_login_sessions(user)
    audit.record(AuditAction.PASSWORD_CHANGED, user, subject_user_id=user.id)
    db.session.flush()


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    set_password(user, new_password)
    return user


def require_current_password(user: User, current_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput(_("Your current password is not correct."))


def change_password(user: User, current_password: str, new_password: str) -> str:
    """Returns the token of the new session for the browser that made the change."""
    require_current_password(user, current_password)
    set_password(user, new_password)
    return open_login_session(user)


# --- e-mail change ------------------------------------------------------------------------

def request_email_change(user: User, current_password: str, raw_new_email: str) -> None:
    require_current_password(user, current_password)
    new_email = normalise_email(raw_new_email)
    if new_email == user.email:
        raise InvalidInput(_("That is already your e-mail address."))
    if find_user_by_email(new_email):
        queue_email(new_email, user.preferred_language, "email_taken", _l("Your LearnHub e-mail change"))
        return
    token = sign("email-change", {"uid": user.id, "old": user.email, "new": new_email})
    queue_email(new_email, user.preferred_language, "email_change", _l("Confirm your new e-mail address"),
                name=user.display_name, link=external_url("people.confirm_email_change", token=token))


def confirm_email_change(user: User, token: str) -> None:
    payload = unsign("email-change", token, current_app.config["EMAIL_CHANGE_TOKEN_MAX_AGE"])
    if not payload or payload.get("uid") != user.id or payload.get("old") != user.email:
        raise InvalidInput(_("This confirmation link is invalid or has expired."))
    if find_user_by_email(payload["new"]):
        raise Conflict(_("Another account already uses that e-mail address."))
    old_email = user.email
    user.email = payload["new"]
    db.session.flush()
    queue_email(old_email, user.preferred_language, "email_changed", _l("Your LearnHub e-mail address was changed"),
                name=user.display_name, new_email=user.email)


# --- invitations ------------------------------------------------------------------------

def invite_member(organisation: Organisation, inviter: User, raw_email: str, role: MembershipRole) -> Invitation:
    email = normalise_email(raw_email)
    existing = find_user_by_email(email)
    if existing and any(m.organisation_id == organisation.id for m in existing.memberships):
        raise Conflict(_("This person is already a member of the organisation."))
    token = new_token()
    invitation = Invitation(
        organisation_id=organisation.id,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by_id=inviter.id,
        expires_at=utcnow() + current_app.config["INVITATION_LIFETIME"],
    )
    db.session.add(invitation)
    db.session.flush()
    language = existing.preferred_language if existing else inviter.preferred_language
    queue_email(email, language, "invitation", _l("You are invited to join an organisation on LearnHub"),
                organisation=organisation.name, inviter=inviter.display_name,
                link=external_url("auth.accept_invitation", token=token))
    return invitation


def _still_pending(invitation: Invitation | None) -> Invitation:
    if invitation is None or not invitation.is_pending:
        raise NotFound(_("This invitation is invalid, was withdrawn, already used or has expired."))
    return invitation


def pending_invitation(token: str) -> Invitation:
    return _still_pending(db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token))))


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    # Locked, as when it is withdrawn: the two happen one after the other, and the later finds it used or
    # gone, instead of the acceptance updating a row the withdrawal has just deleted.
    invitation = _still_pending(locked_or_none(Invitation, invitation.id))
    if user.email != invitation.email:
        raise InvalidInput(_("This invitation was sent to another e-mail address."))
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == invitation.organisation_id)
    )
    if membership is None:
        membership = Membership(user_id=user.id, organisation_id=invitation.organisation_id, role=invitation.role)
        db.session.add(membership)
    invitation.accepted_at = utcnow()
    db.session.flush()
    return membership


def accept_invitation_with_new_account(
    invitation: Invitation, display_name: str, password: str, language: str, time_zone: str
) -> User:
    user = create_user(invitation.email, display_name, password, language=language, time_zone=time_zone)
    accept_invitation(invitation, user)
    return user


def revoke_invitation(organisation: Organisation, invitation_id: int) -> None:
    invitation = locked_or_none(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id or invitation.accepted_at:
        raise NotFound(_("We could not find that invitation."))
    db.session.delete(invitation)
    db.session.flush()


def pending_invitations_of(organisation: Organisation) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == organisation.id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )
