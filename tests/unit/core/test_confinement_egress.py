"""core.confinement.egress: one address policy for outbound HTTP and database hosts.

Only numeric hosts (and names refused before any lookup) are used: no DNS is needed.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.base import PolicyDenied
from core.confinement import egress
from core.settings import Settings


def make_settings(tmp_path: Path, *, production: bool = False, **confinement: Any) -> Settings:
    extra: dict[str, Any] = {}
    if production:
        extra = {
            "environment": "production",
            "security": {"encryption_key": Fernet.generate_key().decode()},
            "store": {"url": "postgresql+asyncpg://u@db.example/ductwork"},
            "auth": {"jwt_secret": "k" * 48},
        }
    return Settings.model_validate({"data_dir": tmp_path, "confinement": confinement, **extra})


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ("8.8.8.8", "8.8.8.8"),
    ],
    ids=["dotted", "decimal", "hex", "short", "octal", "bracketed-v6", "mapped-v6", "public"],
)
def test_resolve_reads_every_numeric_form(host: str, expected: str) -> None:
    assert egress.resolve(host, 80) == [ipaddress.ip_address(expected)]


@pytest.mark.parametrize(
    "host",
    ["bad\x00host", "a" * 300],
    ids=["nul", "label-too-long"],
)
def test_resolve_refuses_what_cannot_be_looked_up(host: str) -> None:
    with pytest.raises(egress.Unresolvable) as err:
        egress.resolve(host, 80)
    assert err.value.error_type == "HOST_NOT_FOUND"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://10.0.0.5/",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://169.254.1.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
    ],
    ids=[
        "loopback",
        "loopback-decimal",
        "loopback-hex",
        "loopback-short",
        "loopback-octal",
        "loopback-v6",
        "v4-mapped-loopback",
        "v4-mapped-hex",
        "private-10",
        "private-172",
        "private-192",
        "shared-cgnat",
        "link-local",
        "unspecified",
        "multicast",
        "reserved",
        "link-local-v6",
        "unique-local-v6",
    ],
)
def test_non_public_http_addresses_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(PolicyDenied) as err:
        egress.check_url_sync(url, make_settings(tmp_path))
    assert err.value.setting == egress.HTTP_SETTING


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.170.2/",
        "http://100.100.100.200/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata/",
        "http://metadata.google.internal/",
        "http://METADATA.GOOGLE.INTERNAL./",
        "http://metadata.goog/",
    ],
    ids=[
        "aws",
        "ecs",
        "alibaba",
        "aws-v6",
        "aws-mapped",
        "gce-short",
        "gce",
        "gce-upper-trailing-dot",
        "goog",
    ],
)
def test_metadata_is_refused_even_when_its_network_is_allowed(tmp_path: Path, url: str) -> None:
    settings = make_settings(tmp_path, allowed_networks=["0.0.0.0/0", "::/0"])  # everything allowed
    with pytest.raises(PolicyDenied) as err:
        egress.check_url_sync(url, settings)
    assert err.value.setting is None  # no setting can allow metadata


@pytest.mark.parametrize(
    ("url", "allowed_networks"),
    [
        ("http://10.0.0.5/", ["10.0.0.0/8"]),
        ("http://127.0.0.1:9000/", ["127.0.0.0/8"]),
        ("http://2130706433:9000/", ["127.0.0.1/32"]),
        ("http://[::ffff:127.0.0.1]:9000/", ["127.0.0.1"]),
        ("http://192.168.1.1/", ["not-a-network", "192.168.0.0/16"]),
    ],
    ids=["private", "loopback", "loopback-decimal", "mapped", "typo-skipped"],
)
def test_allowed_networks_let_private_addresses_through(
    tmp_path: Path, url: str, allowed_networks: list[str]
) -> None:
    checked = egress.check_url_sync(url, make_settings(tmp_path, allowed_networks=allowed_networks))
    assert checked.url == url


def test_a_mistyped_network_covers_nothing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, allowed_networks=["10.0.0.0/33", "ten"])
    with pytest.raises(PolicyDenied):
        egress.check_url_sync("http://10.0.0.5/", settings)


@pytest.mark.parametrize(
    "port",
    [8000, 7233, 8233],
    ids=["api", "temporal", "web-ui"],
)
def test_service_ports_are_refused_on_non_public_addresses(tmp_path: Path, port: int) -> None:
    settings = make_settings(tmp_path, allowed_networks=["127.0.0.0/8", "10.0.0.0/8"])
    for host in ("127.0.0.1", "10.1.2.3", "[::ffff:127.0.0.1]"):
        with pytest.raises(PolicyDenied, match="own services"):
            egress.check_url_sync(f"http://{host}:{port}/", settings)
    # The same port elsewhere on a public address is someone else's service.
    assert egress.check_url_sync(f"http://8.8.8.8:{port}/", settings).port == port


def test_service_ports_follow_the_settings(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {
            "data_dir": tmp_path,
            "api": {"port": 9100},
            "temporal": {"address": "127.0.0.1:9101", "ui_port": 9102},
            "confinement": {"allowed_networks": ["127.0.0.0/8"]},
        }
    )
    assert egress.service_ports(settings) == {9100, 9101, 9102}
    assert egress.check_url_sync("http://127.0.0.1:8000/", settings).port == 8000


@pytest.mark.parametrize(
    ("url", "policy"),
    [
        ("http://8.8.8.8/", {"denied_networks": ["8.8.8.0/24"]}),
        ("http://[::ffff:8.8.8.8]/", {"denied_networks": ["8.8.8.8/32"]}),
        ("http://10.0.0.1/", {"denied_networks": ["10.0.0.1"], "allowed_networks": ["10.0.0.0/8"]}),
        ("http://api.example.com/", {"denied_hosts": ["example.com"]}),
        ("http://example.com./", {"denied_hosts": ["EXAMPLE.com"]}),
    ],
    ids=["network", "mapped", "deny-beats-allow", "subdomain", "trailing-dot-and-case"],
)
def test_deny_lists_win(tmp_path: Path, url: str, policy: dict[str, Any]) -> None:
    with pytest.raises(PolicyDenied, match="denied by the address policy"):
        egress.check_url_sync(url, make_settings(tmp_path, **policy))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://8.8.8.8/", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("//8.8.8.8/", "not none"),
        ("http:///path", "no host"),
        ("http://user:pw@8.8.8.8/", "credentials"),
        ("http://user@8.8.8.8/", "credentials"),
        ("http://8.8.8.8:99999/", "not a valid URL"),
        ("http://8.8.8.8:port/", "not a valid URL"),
    ],
    ids=["ftp", "file", "no-scheme", "no-host", "user-password", "user", "port-range", "port-text"],
)
def test_parse_url_refuses_urls_that_are_not_plain_http(url: str, message: str) -> None:
    with pytest.raises(PolicyDenied, match=message):
        egress.parse_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://8.8.8.8/", ("http", "8.8.8.8", 80)),
        ("https://8.8.8.8/", ("https", "8.8.8.8", 443)),
        ("https://API.Example.COM:8443/x", ("https", "api.example.com", 8443)),
        ("http://[2606:4700::1111]/", ("http", "2606:4700::1111", 80)),
    ],
    ids=["http-default", "https-default", "explicit-port-lowercased", "ipv6"],
)
def test_parse_url_gives_scheme_host_and_port(url: str, expected: tuple[str, str, int]) -> None:
    assert egress.parse_url(url) == expected


@pytest.mark.parametrize(
    ("url", "pinned", "netloc"),
    [
        ("https://8.8.8.8/x?q=1", "https://8.8.8.8:443/x?q=1", "8.8.8.8"),
        ("http://1.1.1.1:8080/a#f", "http://1.1.1.1:8080/a#f", "1.1.1.1:8080"),
        ("http://[2606:4700::1111]/", "http://[2606:4700::1111]:80/", "[2606:4700::1111]"),
    ],
    ids=["https", "explicit-port", "ipv6-bracketed"],
)
def test_pinned_url_names_the_checked_address(
    tmp_path: Path, url: str, pinned: str, netloc: str
) -> None:
    checked = egress.check_url_sync(url, make_settings(tmp_path))
    assert checked.pinned() == pinned
    assert checked.netloc == netloc


async def test_check_url_async_agrees_with_the_sync_check(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert (await egress.check_url("https://8.8.8.8/", settings)).addresses == ("8.8.8.8",)
    with pytest.raises(PolicyDenied):
        await egress.check_url("http://2130706433/", settings)


@pytest.mark.parametrize(
    ("host", "port", "policy", "production", "allowed"),
    [
        ("127.0.0.1", 5432, {}, False, True),
        ("10.0.0.7", 3306, {}, False, True),
        ("8.8.8.8", 5432, {}, False, True),
        ("127.0.0.1", 5432, {}, True, False),
        ("::1", 5432, {}, True, False),
        ("169.254.10.10", 5432, {}, True, False),
        ("0.0.0.0", 5432, {}, True, False),
        ("10.0.0.7", 5432, {}, True, True),
        ("8.8.8.8", 5432, {}, True, True),
        ("169.254.169.254", 5432, {}, False, False),
        ("127.0.0.1", 7233, {}, False, False),
        ("127.0.0.1", 8000, {}, False, False),
        ("10.1.1.1", 5432, {"database_allowed_networks": ["10.0.0.0/8"]}, False, True),
        ("192.168.1.1", 5432, {"database_allowed_networks": ["10.0.0.0/8"]}, False, False),
        ("127.0.0.1", 5432, {"database_allowed_networks": ["127.0.0.1/32"]}, True, True),
        ("10.1.1.1", 5432, {"database_denied_networks": ["10.1.0.0/16"]}, False, False),
        ("10.1.1.1", 5432, {"denied_networks": ["10.0.0.0/8"]}, False, False),
        ("metadata.google.internal", 5432, {}, False, False),
    ],
    ids=[
        "dev-loopback",
        "dev-private",
        "dev-public",
        "prod-loopback",
        "prod-loopback-v6",
        "prod-link-local",
        "prod-unspecified",
        "prod-private",
        "prod-public",
        "metadata",
        "temporal-port",
        "api-port",
        "allowed-network",
        "outside-allowed-network",
        "allowed-overrides-prod-loopback",
        "database-denied",
        "global-denied",
        "metadata-name",
    ],
)
async def test_database_hosts(
    tmp_path: Path,
    host: str,
    port: int,
    policy: dict[str, Any],
    production: bool,
    allowed: bool,
) -> None:
    settings = make_settings(tmp_path, production=production, **policy)
    if allowed:
        assert await egress.check_database_host(host, port, settings) == host
    else:
        with pytest.raises(PolicyDenied):
            await egress.check_database_host(host, port, settings)
