"""One GET against an HTTP JSON API: httpx with its own retries off, redirects followed by hand
with every hop checked by the egress policy (``HttpConfig.egress``) and sent to the checked
address, 429/503 with Retry-After waited out, errors classified (never what answered on a port).
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import orjson

from connectors.base import TerminalError, TransientError
from connectors.http.config import HttpConfig
from connectors.postgres.arrow_ingest import Stopped

if TYPE_CHECKING:
    # httpx (with its rich/click CLI imports) is loaded by the step that calls the API.
    import httpx

_EXCERPT = 200
log = logging.getLogger(__name__)


def client(config: HttpConfig) -> httpx.Client:
    import httpx

    transport = httpx.HTTPTransport(retries=0)
    return httpx.Client(
        timeout=config.timeout_s,
        transport=transport,
        follow_redirects=False,  # followed by ``fetch``, every hop checked by the policy
        trust_env=False,
    )


MAX_REDIRECTS = 5


def unreachable(url: str) -> str:
    """One message for a refused connection, a reset and a server that does not speak HTTP:
    what answers on a port the message never tells."""
    return f"GET {url}: no HTTP server answered (connection refused, reset or not HTTP)"


def fetch(
    config: HttpConfig, client: httpx.Client, url: str, params: dict[str, Any] | None = None
) -> httpx.Response:
    """GET ``url``, following redirects by hand: every hop is checked by the egress policy and
    sent to the address it checked; the secret goes only to the base URL's own origin."""
    import httpx

    origin = urlsplit(config.base_url)[:2]
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        target = config.egress(url) if config.egress else url
        headers = config.request_headers(secret=parts[:2] == origin)
        extensions = {}
        if target != url:
            headers["Host"] = parts.netloc
            if parts.scheme == "https":
                extensions["sni_hostname"] = parts.hostname or ""
        response = client.get(target, params=params or None, headers=headers, extensions=extensions)
        location = response.headers.get("location")
        if not response.is_redirect or not location:
            return response
        asked = str(httpx.URL(url, params=params or None))  # the hop's URL, host not pinned
        url, params = urljoin(asked, location), None
    raise TerminalError(f"GET {url}: more than {MAX_REDIRECTS} redirects", error_type="HTTP_ERROR")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def excerpt(config: HttpConfig, response: httpx.Response) -> str:
    """The start of an error response, printable characters only."""
    text = "".join(c if c.isprintable() else " " for c in response.text[:_EXCERPT]).strip()
    if config.secret:
        text = text.replace(config.secret, "***")
    return text


def get(
    config: HttpConfig,
    client: httpx.Client,
    url: str,
    params: dict[str, Any] | None,
    stop: threading.Event | None = None,
) -> httpx.Response:
    """One page, after waiting out 429/503 with Retry-After; errors classified. ``stop`` ends
    a wait at once (a cancelled step): the read stops with ``Stopped``."""
    import httpx

    attempt = 0
    while True:
        try:
            response = fetch(config, client, url, params)
        except httpx.TimeoutException as exc:
            raise TransientError(f"GET {url}: timed out", error_type="SOURCE_TIMEOUT") from exc
        except httpx.TransportError as exc:
            raise TransientError(unreachable(url), error_type="SOURCE_UNAVAILABLE") from exc
        status = response.status_code
        if status in (429, 503) and attempt < config.max_retries:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is None and status == 429:
                wait = min(2.0**attempt, config.max_retry_wait_s)
            if wait is not None:
                attempt += 1
                wait = min(wait, config.max_retry_wait_s)
                log.info("HTTP %s from GET %s: retrying in %.1f s", status, url, wait)
                # The step's heartbeat goes on meanwhile; a cancel ends the wait.
                if stop is None:
                    time.sleep(wait)
                elif stop.wait(wait):
                    raise Stopped(f"GET {url}: stopped while waiting out HTTP {status}")
                continue
        if status < 400:
            return response
        message = f"HTTP {status} from GET {url}: {excerpt(config, response)}"
        if status >= 500 or status == 429:
            raise TransientError(message, error_type="SOURCE_UNAVAILABLE")
        error_type = {
            401: "AUTHENTICATION_FAILED",
            403: "AUTHENTICATION_FAILED",
            404: "RESOURCE_NOT_FOUND",
            410: "RESOURCE_NOT_FOUND",
        }.get(status, "HTTP_ERROR")
        raise TerminalError(message, error_type=error_type)


def json_body(url: str, response: httpx.Response) -> Any:
    """The parsed body: by orjson (a third of the standard library's time on a page of
    records), else by ``json``, which also reads what orjson refuses (NaN, integers beyond 64
    bits, UTF-16 text); both give the same values for what both read."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        pass
    try:
        return response.json()
    except ValueError as exc:
        raise TerminalError(
            f"GET {url}: the response is not JSON ({response.headers.get('content-type')})",
            error_type="INVALID_RESPONSE",
        ) from exc
