"""The issuer's signing keys: private keys in files outside the database (CREDENTIAL_KEYS_DIR), one per file.

`flask certificates keygen` adds a key; the newest signs, and every key stays published as a verification
method, so credentials signed before a rotation keep verifying. A key's id is its RFC 7638 thumbprint, which
depends only on the public key: it never changes, whatever the file is called or wherever it is copied.

RSA with RS256 because OB 3.0 names RS256 as the algorithm every VC-JWT verifier must support (and the 1EdTech
validator accepts only RS256 or ES256); see the README.
"""

import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from joserfc.jwk import RSAKey

__all__ = ["ALGORITHM", "KEY_BITS", "KeyProblem", "SigningKey", "generate_key", "load_keys", "keys_for_use",
           "production_key_problem"]

ALGORITHM = "RS256"
KEY_BITS = 3072  # NIST SP 800-57: good beyond 2030
_SUFFIX = ".pem"


class KeyProblem(RuntimeError):
    """The key directory cannot be used: missing, empty, unreadable or readable by others."""


@dataclass(frozen=True)
class SigningKey:
    key_id: str  # RFC 7638 thumbprint of the public key
    created: str  # from the file name, so the newest sorts last
    path: Path
    key: RSAKey = field(compare=False)  # named by its thumbprint: keys compare and hash by that

    def public_jwk(self) -> dict[str, str | list[str]]:
        """The public half only: `d` and the other private members can never leave through here."""
        public = self.key.as_dict(private=False)
        return {"kty": public["kty"], "n": public["n"], "e": public["e"], "alg": ALGORITHM, "use": "sig"}


def generate_key(directory: Path, now: datetime | None = None) -> SigningKey:
    """Write a new private key (mode 0600) into `directory` (made with mode 0700 if missing); it signs from now on."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = RSAKey.generate_key(KEY_BITS, private=True)
    created = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{created}-{key.thumbprint()}{_SUFFIX}"
    # Created with 0600 at once (O_EXCL): there is no moment at which others could read it; written under
    # another name and then renamed, so a process listing the keys meanwhile never reads half a key.
    writing = path.with_suffix(".writing")
    descriptor = os.open(writing, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.as_pem(private=True))
    os.replace(writing, path)
    return SigningKey(key.thumbprint(), created, path, key)


def load_keys(directory: Path) -> list[SigningKey]:
    """Every key in `directory`, oldest first (the last one signs)."""
    if not directory.is_dir():
        return []
    keys = []
    for path in sorted(directory.glob(f"*{_SUFFIX}")):
        try:
            key = RSAKey.import_key(path.read_bytes())
        except (OSError, ValueError) as error:
            raise KeyProblem(f"Cannot read the credential signing key {path}: {error}") from error
        if not key.is_private:
            raise KeyProblem(f"{path} holds no private key")
        keys.append(SigningKey(key.thumbprint(), path.name.split("-", 1)[0], path, key))
    return keys


def production_key_problem(directory: Path) -> str | None:
    """Why production must not start with this key directory, or None when it is fine."""
    if not directory.is_dir():
        return (f"the credential key directory {directory} does not exist; create a key with "
                "`flask --app learnhub certificates keygen` and set CREDENTIAL_KEYS_DIR")
    paths = sorted(directory.glob(f"*{_SUFFIX}"))
    if not paths:
        return (f"the credential key directory {directory} holds no key; create one with "
                "`flask --app learnhub certificates keygen`")
    for path in paths:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            return f"the credential signing key {path} can be read by others; chmod 600 it"
    try:
        load_keys(directory)
    except KeyProblem as error:
        return str(error)
    return None


def keys_for_use(directory: Path, may_generate: bool) -> list[SigningKey]:
    """The keys to sign and verify with; outside production a first key is made when there is none."""
    keys = load_keys(directory)
    if not keys and may_generate:
        generate_key(directory)
        keys = load_keys(directory)
    if not keys:
        raise KeyProblem(f"no credential signing key in {directory}; run `flask --app learnhub certificates keygen`")
    return keys
