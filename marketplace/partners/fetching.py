"""HTTP requests to addresses partners give us: feeds, photos and webhook endpoints.

A partner's URL must never reach the marketplace's own network (server-side request
forgery). Only http and https are spoken. The host is resolved here, every address it resolves
to must be public, and the connection goes to the address that was checked, so a DNS answer
that changes between the check and the connection (rebinding) cannot slip through. Redirects
are followed by hand and each target is checked the same way. The whole exchange has one
deadline and the body a byte cap, so a slow or endless response cannot hold a worker.
The operator may allow private addresses (tests, an intranet ERP): PARTNERS_ALLOW_PRIVATE_URLS.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urljoin, urlsplit

from flask_babel import lazy_gettext as _l

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

SCHEMES = {"http": 80, "https": 443}
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024
USER_AGENT = "KeraMarketplace/1 (partner sync)"
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class FetchError(Exception):
    """The request was refused before it was sent, or failed; the message says why. A URL
    refused by `check_url` or `check_target` says so in the reader's language (partners see
    it beside the URL they typed); failures of a request are logged and kept in English."""


class AddressRefused(FetchError):
    pass


def is_public(address: IPAddress) -> bool:
    """A globally routed unicast address, also when wrapped in an IPv6 form."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not address.is_multicast


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def system_resolver(host: str, port: int) -> list[str]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchError(f"the host {host} cannot be resolved") from error
    return [str(answer[4][0]) for answer in answers]


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    timeout: float
    allow_private: bool = False
    max_redirects: int = 3
    # Injected by tests only: which addresses count as allowed, and how names resolve.
    address_allowed: Callable[[IPAddress], bool] | None = None
    resolver: Resolver = field(default=system_resolver)

    def allows(self, address: IPAddress) -> bool:
        if self.address_allowed is not None:
            return self.address_allowed(address)
        return self.allow_private or is_public(address)


@dataclass(frozen=True)
class FetchResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def check_url(url: str) -> SplitResult:
    """The URL's parts, if it is an absolute http(s) URL without credentials."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as error:
        raise FetchError(_l("The URL is not valid.")) from error
    if parts.scheme not in SCHEMES:
        raise FetchError(_l("Only http and https URLs can be used."))
    if not parts.hostname:
        raise FetchError(_l("The URL has no host name."))
    if parts.username is not None or parts.password is not None:
        raise FetchError(_l("URLs with a user name or password are not supported."))
    return parts


def _address(text: str) -> IPAddress:
    return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")


def resolve(parts: SplitResult, policy: FetchPolicy) -> str:
    """The address to connect to. Every address the name has must be allowed, so that a name
    with one public and one private address cannot be used to reach the private one."""
    host = parts.hostname or ""
    port = parts.port or SCHEMES[parts.scheme]
    try:
        literal: IPAddress | None = _address(host)
    except ValueError:
        literal = None
    candidates = [str(literal)] if literal is not None else policy.resolver(host, port)
    if not candidates:
        raise FetchError(f"the host {host} cannot be resolved")
    for candidate in candidates:
        if not policy.allows(_address(candidate)):
            raise AddressRefused(f"{host} is a private, loopback or reserved address")
    return candidates[0]


def check_target(url: str, policy: FetchPolicy) -> None:
    """Refuse a URL at once when it can be seen to point inside (used when saving URLs)."""
    parts = check_url(url)
    try:
        literal = _address(parts.hostname or "")
    except ValueError:
        if (parts.hostname or "").lower().rstrip(".") in ("localhost", "localhost.localdomain"):
            literal = ipaddress.IPv4Address("127.0.0.1")
        else:
            return
    if not policy.allows(literal):
        raise AddressRefused(_l("The URL points to a private, loopback or reserved address."))


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.ends - time.monotonic()
        if remaining <= 0:
            raise FetchError("the server took too long to answer")
        return remaining


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Speaks to `host` (Host header) over a socket to the address checked beforehand."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address.
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _connection(parts: SplitResult, address: str, timeout: float) -> http.client.HTTPConnection:
    host = parts.hostname or ""
    port = parts.port or SCHEMES[parts.scheme]
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    return kind(host, port, address, timeout)


def _read_body(
    sock: socket.socket | None,
    response: http.client.HTTPResponse,
    policy: FetchPolicy,
    deadline: _Deadline,
) -> bytes:
    declared = response.getheader("Content-Length")
    # ASCII digits only: "²".isdigit() is true, and int() refuses it (and 5000 digits).
    digits = declared is not None and declared.isascii() and declared.isdigit()
    if digits and (len(str(declared)) > 18 or int(str(declared)) > policy.max_bytes):
        raise FetchError(f"the response is larger than {policy.max_bytes} bytes")
    body = bytearray()
    while True:
        # Each read may wait only for what is left of the whole deadline, so a server that
        # sends a byte now and then cannot stretch it.
        remaining = deadline.left()
        if sock is not None:
            sock.settimeout(remaining)
        chunk = response.read1(CHUNK)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > policy.max_bytes:
            raise FetchError(f"the response is larger than {policy.max_bytes} bytes")


def _exchange(
    url: str,
    policy: FetchPolicy,
    deadline: _Deadline,
    method: str,
    body: bytes | None,
    headers: Mapping[str, str],
) -> FetchResponse:
    parts = check_url(url)
    address = resolve(parts, policy)
    connection = _connection(parts, address, deadline.left())
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Connection": "close"}
    try:
        connection.request(method, path, body=body, headers={**sent, **headers})
        # Kept here: the connection lets go of its socket once the response owns it.
        sock = connection.sock
        if sock is not None:
            sock.settimeout(deadline.left())
        response = connection.getresponse()
        received = {name.lower(): value for name, value in response.getheaders()}
        content = (
            b"" if response.status in REDIRECTS else _read_body(sock, response, policy, deadline)
        )
        return FetchResponse(response.status, received, content, url)
    except (OSError, http.client.HTTPException) as error:
        if isinstance(error, TimeoutError):
            raise FetchError("the server took too long to answer") from error
        raise FetchError(f"the request failed: {_reason(error)}") from error
    finally:
        connection.close()


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text[:200]


def fetch(
    url: str,
    policy: FetchPolicy,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
) -> FetchResponse:
    """Send the request within the policy's limits. Raises FetchError, never anything else
    for a network failure; any HTTP status comes back as a response."""
    deadline = _Deadline(policy.timeout)
    current = url
    for _ in range(policy.max_redirects + 1):
        response = _exchange(current, policy, deadline, method, body, headers or {})
        location = response.header("Location")
        if not (follow_redirects and response.status in REDIRECTS and location):
            return response
        if method not in ("GET", "HEAD"):
            return response  # a redirected POST is the receiver's mistake, not ours to repeat
        current = urljoin(current, location)
    raise FetchError("too many redirects")
