"""The client address a sign-in is throttled by: the socket peer, unless that is a
trusted proxy (``SAFEDIAL_TRUSTED_PROXIES``); then the right-most untrusted address of
``X-Forwarded-For``."""

from __future__ import annotations

import pytest

from gateway.settings import SettingsError, load_settings
from gateway.web_auth.addresses import UNKNOWN, client_address, parse_networks

PROXIES = parse_networks(["10.0.0.5", "10.1.0.0/16", "fd00::/8"])


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert client_address("198.51.100.7", "203.0.113.9", ()) == "198.51.100.7"
    assert client_address("198.51.100.7", "203.0.113.9", PROXIES) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() -> None:
    header = "1.2.3.4, 198.51.100.7, 10.1.2.3"
    assert client_address("10.0.0.5", header, PROXIES) == "198.51.100.7"


def test_a_forged_left_part_of_the_header_is_ignored() -> None:
    forged = "10.1.9.9, 203.0.113.50"  # the client wrote the first hop, the proxy the second
    assert client_address("10.0.0.5", forged, PROXIES) == "203.0.113.50"


def test_when_every_hop_is_trusted_the_left_most_is_the_client() -> None:
    assert client_address("10.0.0.5", "10.1.0.1, 10.1.0.2", PROXIES) == "10.1.0.1"
    assert client_address("10.0.0.5", None, PROXIES) == "10.0.0.5"
    assert client_address("10.0.0.5", " , ", PROXIES) == "10.0.0.5"


def test_a_malformed_hop_stops_the_walk_at_the_last_good_one() -> None:
    assert client_address("10.0.0.5", "198.51.100.7, not-an-ip, 10.1.0.1",
                          PROXIES) == "10.1.0.1"


def test_ipv6_and_ipv4_mapped_addresses_are_written_one_way() -> None:
    assert client_address("::ffff:198.51.100.7", None, ()) == "198.51.100.7"
    assert client_address("fd00::1", "2001:DB8::1", PROXIES) == "2001:db8::1"


def test_a_peer_that_is_no_address_counts_as_unknown() -> None:
    assert client_address(None, "198.51.100.7", PROXIES) == UNKNOWN
    assert client_address("testclient", None, PROXIES) == UNKNOWN


def test_the_setting_refuses_an_entry_that_is_no_address_or_range() -> None:
    with pytest.raises(SettingsError, match=r"SAFEDIAL_TRUSTED_PROXIES.*'proxy\.local'"):
        load_settings({"SAFEDIAL_TRUSTED_PROXIES": "10.0.0.5,proxy.local"})
    settings = load_settings({"SAFEDIAL_TRUSTED_PROXIES": "10.0.0.5, fd00::/8"})
    assert client_address("fd00::9", "198.51.100.7",
                          settings.trusted_proxy_networks) == "198.51.100.7"
