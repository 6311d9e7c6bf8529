"""Who the caller is: X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

import pytest

from quarterhour.config import Settings
from quarterhour.kit.callers import caller_address, parse_proxies

PROXIES = ("10.0.0.0/8", "192.0.2.7")


def test_without_trusted_proxies_the_caller_is_the_socket_peer() -> None:
    assert caller_address("198.51.100.1", ["6.6.6.6"], ()) == "198.51.100.1"
    assert caller_address("198.51.100.1", [], ()) == "198.51.100.1"
    assert caller_address(None, ["6.6.6.6"], ()) == "unknown"


def test_a_peer_that_is_no_trusted_proxy_is_the_caller_whatever_it_forwards() -> None:
    assert caller_address("198.51.100.1", ["6.6.6.6"], PROXIES) == "198.51.100.1"
    assert caller_address("192.0.2.8", ["6.6.6.6"], PROXIES) == "192.0.2.8"


def test_behind_trusted_proxies_the_caller_is_the_right_most_untrusted_address() -> None:
    # The proxy appended the address it saw; whatever the caller sent is on its left.
    assert caller_address("10.1.1.1", ["6.6.6.6, 198.51.100.1"], PROXIES) == "198.51.100.1"
    assert caller_address("10.1.1.1", ["198.51.100.1, 10.2.2.2"], PROXIES) == "198.51.100.1"
    # Several headers count as one list, in order.
    assert caller_address("192.0.2.7", ["6.6.6.6", "198.51.100.1 , 10.9.9.9"], PROXIES) == (
        "198.51.100.1"
    )
    # Ports and brackets as some proxies write them.
    assert caller_address("10.1.1.1", ["198.51.100.1:5555"], PROXIES) == "198.51.100.1"
    assert caller_address("10.1.1.1", ["[2001:db8::1]:443"], PROXIES) == "2001:db8::/64"
    # Something that is no address is not a proxy either: it is the caller, as written.
    assert caller_address("10.1.1.1", ["6.6.6.6, garbage"], PROXIES) == "garbage"
    # Only proxies: the request started at the left-most; no header: the proxy itself.
    assert caller_address("10.1.1.1", ["10.3.3.3, 10.2.2.2"], PROXIES) == "10.3.3.3"
    assert caller_address("10.1.1.1", [], PROXIES) == "10.1.1.1"


def test_an_ipv6_caller_is_counted_by_its_slash_64() -> None:
    a = caller_address("2001:db8:1:2::1", [], ())
    b = caller_address("2001:db8:1:2:ffff::9", [], ())
    assert a == b == "2001:db8:1:2::/64"
    assert caller_address("2001:db8:1:3::1", [], ()) != a
    assert caller_address("::ffff:198.51.100.1", [], ()) == "198.51.100.1"


def test_the_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUARTERHOUR_TRUSTED_PROXIES", " 10.0.0.0/8, 192.0.2.7 ,")
    assert Settings.from_env().trusted_proxies == PROXIES
    monkeypatch.delenv("QUARTERHOUR_TRUSTED_PROXIES")
    assert Settings.from_env().trusted_proxies == ()
    with pytest.raises(ValueError, match=r"proxy\.example"):
        parse_proxies("10.0.0.1, proxy.example")
