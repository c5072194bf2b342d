"""The fetcher for partners' URLs refuses the marketplace's own network (SSRF) before it
connects, also after redirects and behind host names, and bounds size and time."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from marketplace.partners.fetching import (
    AddressRefused,
    FetchError,
    FetchPolicy,
    check_target,
    fetch,
    is_public,
)
from tests.partners.fixtures import LocalServer

STRICT = FetchPolicy(max_bytes=1024 * 1024, timeout=2)
LOOPBACK = ipaddress.ip_address("127.0.0.1")


def loopback_is_public(address: Any) -> bool:
    """Stands in for the internet in tests: 127.0.0.1 (where the test servers are) counts as
    public, and every other address is judged as in production."""
    return address == LOOPBACK or is_public(address)


AS_IF_PUBLIC = FetchPolicy(max_bytes=1024 * 1024, timeout=2, address_allowed=loopback_is_public)


def never_resolve(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} should have been refused before any lookup")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104  (an address to refuse, not to bind)
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.1.1.1", False),
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 around 10.0.0.1
    ],
)
def test_only_global_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1:8080/feed.csv",
        "http://10.0.0.7/feed.json",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://2130706433/",  # 127.0.0.1 as one number
    ],
)
def test_private_literal_addresses_are_refused_before_connecting(url: str) -> None:
    policy = FetchPolicy(max_bytes=1024, timeout=1, resolver=never_resolve)
    if url == "http://2130706433/":
        policy = FetchPolicy(max_bytes=1024, timeout=1)  # the resolver turns it into 127.0.0.1
    with pytest.raises(AddressRefused):
        fetch(url, policy)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed.csv",
        "gopher://127.0.0.1:6379/_INFO",
        "http://user:secret@example.com/",
        "http:///no-host",
        "http://example.com:port/",
        "javascript:alert(1)",
    ],
)
def test_only_plain_http_and_https_urls(url: str) -> None:
    with pytest.raises(FetchError):
        fetch(url, FetchPolicy(max_bytes=1024, timeout=1, resolver=never_resolve))


def test_a_name_that_resolves_to_loopback_is_refused(
    local_server: Callable[..., LocalServer],
) -> None:
    server = local_server()
    port = server.url.rsplit(":", 1)[1]
    with pytest.raises(AddressRefused):
        fetch(f"http://localhost:{port}/", STRICT)
    with pytest.raises(AddressRefused):
        check_target(f"http://localhost:{port}/", STRICT)
    assert server.received == []


def test_every_address_of_a_name_must_be_allowed() -> None:
    def split_horizon(host: str, port: int) -> list[str]:
        return ["127.0.0.1", "10.0.0.5"]  # one allowed, one private

    policy = FetchPolicy(
        max_bytes=1024, timeout=1, address_allowed=loopback_is_public, resolver=split_horizon
    )
    with pytest.raises(AddressRefused):
        fetch("http://feed.partner.test/", policy)


def test_the_connection_goes_to_the_address_that_was_checked(
    local_server: Callable[..., LocalServer],
) -> None:
    """The name is resolved once, by us; the socket is opened to that address (no second
    lookup that a rebinding DNS server could answer differently), with the name as Host."""
    server = local_server((200, {}, b"[]"))
    port = int(server.url.rsplit(":", 1)[1])
    lookups: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    policy = FetchPolicy(
        max_bytes=1024, timeout=2, address_allowed=loopback_is_public, resolver=resolver
    )
    response = fetch(f"http://feed.partner.test:{port}/items.json", policy)
    assert response.status == 200 and response.body == b"[]"
    assert lookups == ["feed.partner.test"]
    assert server.received[0].headers["host"] == f"feed.partner.test:{port}"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/",
        "http://localhost:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/",
        "file:///etc/passwd",
    ],
)
def test_redirects_to_inside_are_refused(
    local_server: Callable[..., LocalServer], target: str
) -> None:
    inside = local_server(host="127.0.0.2")
    port = inside.url.rsplit(":", 1)[1]
    outside = local_server((302, {"Location": target.format(port=port)}, b""))
    with pytest.raises(FetchError):
        fetch(f"{outside.url}/feed.csv", AS_IF_PUBLIC)
    assert len(outside.received) == 1 and inside.received == []


def test_redirects_are_followed_a_few_times(local_server: Callable[..., LocalServer]) -> None:
    final = local_server((200, {}, b"done"))
    hop = local_server((301, {"Location": f"{final.url}/end"}, b""))
    assert fetch(f"{hop.url}/start", AS_IF_PUBLIC).body == b"done"
    loop = local_server()
    loop.answer_with((302, {"Location": f"{loop.url}/again"}, b""))
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(f"{loop.url}/", AS_IF_PUBLIC)
    assert len(loop.received) == AS_IF_PUBLIC.max_redirects + 1


def stream_forever(handler: BaseHTTPRequestHandler) -> None:
    """An endless body with no length, as a malicious or broken server would send."""
    handler.send_response(200)
    handler.end_headers()
    try:
        for _ in range(10_000):
            handler.wfile.write(b"x" * 65536)
    except OSError:
        return


def trickle(handler: BaseHTTPRequestHandler) -> None:
    """A byte now and then: each read succeeds, but the whole never ends."""
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    try:
        for _ in range(100):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.1)
    except OSError:
        return


def silent(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(2)


def test_oversized_answers_are_cut_at_the_limit(local_server: Callable[..., LocalServer]) -> None:
    policy = FetchPolicy(max_bytes=256 * 1024, timeout=5, address_allowed=loopback_is_public)
    endless = local_server(stream_forever)
    with pytest.raises(FetchError, match="larger than"):
        fetch(f"{endless.url}/", policy)
    declared = local_server((200, {}, b"x" * (300 * 1024)))
    with pytest.raises(FetchError, match="larger than"):
        fetch(f"{declared.url}/", policy)


@pytest.mark.parametrize("answer", [trickle, silent])
def test_slow_answers_are_abandoned_at_the_deadline(
    local_server: Callable[..., LocalServer], answer: Callable[..., None]
) -> None:
    server = local_server(answer)
    policy = FetchPolicy(max_bytes=1024 * 1024, timeout=0.5, address_allowed=loopback_is_public)
    started = time.monotonic()
    with pytest.raises(FetchError, match="too long"):
        fetch(f"{server.url}/", policy)
    assert time.monotonic() - started < 1.5


def test_the_operator_may_allow_private_addresses(
    local_server: Callable[..., LocalServer],
) -> None:
    server = local_server((200, {}, b"ok"))
    allowed = FetchPolicy(max_bytes=1024, timeout=2, allow_private=True)
    assert fetch(f"{server.url}/", allowed).body == b"ok"
    with pytest.raises(FetchError):
        fetch("file:///etc/passwd", allowed)  # still only http and https
