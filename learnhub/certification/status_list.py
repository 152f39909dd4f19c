"""Revocation as a W3C Bitstring Status List (v1.0): one bit per certificate, set when it is revoked.

Each certificate keeps a fixed index for life (`Certificate.status_index`). Index i is bit i % LIST_SIZE of
list number i // LIST_SIZE + 1, so lists are added as the institute grows and no index ever moves. Indexes
are drawn at random (the specification asks for it): a list's neighbouring bits then say nothing about
certificates issued at about the same time.
"""

import base64
import gzip
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, column, func, select, table

from learnhub.extensions import db

__all__ = ["LIST_SIZE", "StatusEntry", "bitstring", "decode_bitstring", "encode_bitstring", "entry_for",
           "free_status_index", "is_set", "list_count", "revoked_indexes"]

# The specification's minimum: 16 KiB of bits, so a list is the same size however few certificates it holds.
LIST_SIZE = 131_072
_CANDIDATES = 32
# The columns read here, without the model: the model draws its index through this module when it is inserted.
_certificate = table("certificate", column("status_index"), column("revoked_at"))


@dataclass(frozen=True)
class StatusEntry:
    list_number: int  # 1-based: /credentials/status/<list_number>
    position: int  # the statusListIndex within that list


def entry_for(status_index: int) -> StatusEntry:
    return StatusEntry(status_index // LIST_SIZE + 1, status_index % LIST_SIZE)


def free_status_index(connection: Connection) -> int:
    """A random free index. Lists are kept at most half full, so one of a few random picks is free at once;
    two issuances drawing the same one at the same moment are refused by the unique index."""
    taken_count = connection.scalar(select(func.count()).select_from(_certificate)) or 0
    capacity = LIST_SIZE * (1 + taken_count // (LIST_SIZE // 2))
    candidates = {secrets.randbelow(capacity) for _ in range(_CANDIDATES)}
    taken = set(connection.scalars(select(_certificate.c.status_index)
                                   .where(_certificate.c.status_index.in_(candidates))))
    if free := sorted(candidates - taken):
        return secrets.choice(free)
    return (connection.scalar(select(func.max(_certificate.c.status_index))) or 0) + 1


def list_count() -> int:
    """How many lists there are: up to the one holding the highest index, and always the first."""
    highest = db.session.scalar(select(func.max(_certificate.c.status_index)))
    return 1 if highest is None else entry_for(highest).list_number


def revoked_indexes(list_number: int) -> list[int]:
    """Positions set in one list: the certificates revoked now (reinstating clears the bit again)."""
    start = (list_number - 1) * LIST_SIZE
    rows = db.session.scalars(select(_certificate.c.status_index).where(
        _certificate.c.revoked_at.is_not(None), _certificate.c.status_index >= start,
        _certificate.c.status_index < start + LIST_SIZE))
    return [index - start for index in rows]


def bitstring(positions: list[int]) -> bytes:
    """LIST_SIZE bits, the first bit of the list being the most significant bit of the first byte."""
    bits = bytearray(LIST_SIZE // 8)
    for position in positions:
        bits[position // 8] |= 0x80 >> (position % 8)
    return bytes(bits)


def encode_bitstring(bits: bytes) -> str:
    """GZIP, then multibase base64url without padding (prefix "u"), as the specification's encodedList."""
    # mtime=0: the same list always encodes (and so signs) the same way.
    compressed = gzip.compress(bits, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bitstring(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix u)")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def is_set(bits: bytes, position: int) -> bool:
    return bool(bits[position // 8] & (0x80 >> (position % 8)))
