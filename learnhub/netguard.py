"""Outgoing HTTP requests to addresses people type (a mentor's calendar), guarded against being turned
on LearnHub's own network: in production only https, and only to public addresses (the host is resolved
first and every address it resolves to is checked, again after each redirect); always size and time limits."""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests


class FetchRefused(Exception):
    """The address may not be fetched, or the answer was not acceptable. `kind` names the reason."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind  # "address", "scheme", "unreachable", "timeout", "too_large", "status"


@dataclass(frozen=True)
class FetchLimits:
    is_strict: bool  # production: https only, public addresses only
    timeout_seconds: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 3


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, limits: FetchLimits) -> None:
    """Refuse a URL LearnHub may not fetch; in production the host's every address must be public."""
    parts = urlsplit(url)
    allowed = ("https",) if limits.is_strict else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise FetchRefused("scheme", parts.scheme)
    if not limits.is_strict:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchRefused("unreachable", "name not resolved") from error
    if not found or not all(_is_public(str(info[4][0])) for info in found):
        raise FetchRefused("address", "not a public address")


def fetch(url: str, limits: FetchLimits, *, method: str = "GET", body: bytes | None = None,
          headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None) -> bytes:
    """The body of a successful answer (2xx), at most `limits.max_bytes` of it, within the time limit per
    read; redirects are followed by hand so each target is checked too."""
    for _redirect in range(limits.max_redirects + 1):
        check_url(url, limits)
        try:
            with requests.request(method, url, data=body, headers=headers, auth=auth, stream=True,
                                  allow_redirects=False, timeout=limits.timeout_seconds) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if not 200 <= response.status_code < 300:
                    raise FetchRefused("status", str(response.status_code))
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limits.max_bytes:
                    raise FetchRefused("too_large")
                received, deadline = bytearray(), time.monotonic() + limits.timeout_seconds
                for chunk in response.iter_content(64 * 1024):
                    received += chunk
                    if len(received) > limits.max_bytes:
                        raise FetchRefused("too_large")
                    if time.monotonic() > deadline:  # the timeout counts per read; a trickle ends here
                        raise FetchRefused("timeout")
                return bytes(received)
        except requests.Timeout as error:
            raise FetchRefused("timeout") from error
        except requests.RequestException as error:
            raise FetchRefused("unreachable", type(error).__name__) from error
    raise FetchRefused("status", "too many redirects")
