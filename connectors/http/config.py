"""An HTTP JSON API: the base URL (the connection's ``host``), headers, the secret sent in an
auth header, where the records are in a body and how the pages follow each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from connectors.base import ConnectionSettings, EgressCheck, TerminalError

PAGINATION = ("none", "page", "offset", "cursor", "link")


def check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            "an http connection's 'host' is its base URL, e.g. https://api.example.com/v1; "
            f"got {url!r}"
        )
    return url


@dataclass(frozen=True)
class HttpConfig:
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    secret: str | None = field(default=None, repr=False)
    egress: EgressCheck | None = field(default=None, repr=False, compare=False)
    auth_header: str = "Authorization"
    auth_scheme: str | None = None  # default: "Bearer" for Authorization, none for others
    record_path: str | None = None
    pagination: str = "none"
    page_param: str = "page"
    start_page: int = 1
    offset_param: str = "offset"
    limit_param: str = "limit"
    page_size: int = 100
    cursor_param: str = "cursor"
    next_cursor_path: str = "next_cursor"
    max_pages: int = 10_000
    params: dict[str, Any] = field(default_factory=dict)
    test_path: str = ""
    resources: tuple[str, ...] = ()
    timeout_s: float = 30.0
    max_retry_wait_s: float = 60.0
    max_retries: int = 5

    @classmethod
    def from_settings(cls, settings: ConnectionSettings) -> HttpConfig:
        props = dict(settings.properties or {})
        try:
            base = check_base_url(settings.host or "")
        except ValueError as exc:
            raise TerminalError(str(exc), error_type="INVALID_CONNECTION") from exc
        pagination = str(props.get("pagination", "none")).lower()
        if pagination not in PAGINATION:
            raise TerminalError(
                f"pagination {pagination!r} is not one of {', '.join(PAGINATION)}",
                error_type="INVALID_CONNECTION",
            )
        known = {f for f in cls.__dataclass_fields__ if f not in ("base_url", "secret", "egress")}
        options: dict[str, Any] = {k: v for k, v in props.items() if k in known}
        options["pagination"] = pagination
        options["headers"] = {str(k): str(v) for k, v in (props.get("headers") or {}).items()}
        options["params"] = dict(props.get("params") or {})
        options["resources"] = tuple(props.get("resources") or ())
        for name in ("start_page", "page_size", "max_pages", "max_retries"):
            if name in options:
                options[name] = int(options[name])
        for name in ("timeout_s", "max_retry_wait_s"):
            if name in options:
                options[name] = float(options[name])
        return cls(base_url=base, secret=settings.password, egress=settings.egress, **options)

    def url(self, path: str) -> str:
        if not path:
            return self.base_url
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def request_headers(self, *, secret: bool = True) -> dict[str, str]:
        """The headers of a request; ``secret``: with the auth header (the base URL's origin)."""
        headers = {"Accept": "application/json", **self.headers}
        if self.secret and secret:
            scheme = self.auth_scheme
            if scheme is None:
                scheme = "Bearer" if self.auth_header.lower() == "authorization" else ""
            headers[self.auth_header] = f"{scheme} {self.secret}" if scheme else self.secret
        return headers
