"""A files connection: a root (a local directory or ``s3://bucket/prefix``) and how its files
are read. S3 credentials are the access key id (``username``) and its secret (the password)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

from connectors.base import (
    ConnectionSettings,
    ConnectorError,
    PolicyDenied,
    TerminalError,
    TransientError,
    safe_detail,
)

FORMATS = ("csv", "parquet", "jsonl")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def root_problem(root: str) -> str | None:
    """Why ``root`` is not a files root; None: it is one."""
    if root.startswith("s3://"):
        parsed = urlparse(root)
        if not parsed.netloc:
            return f"an S3 root names its bucket: s3://bucket/prefix; got {root!r}"
        return None
    if "://" in root:
        return f"a files root is an absolute directory or an s3://bucket/prefix URL; got {root!r}"
    if not PurePosixPath(root).is_absolute():
        return (
            "for a files connection 'database' is the root: an absolute directory path "
            f"(e.g. /data/exports) or an s3://bucket/prefix URL; got {root!r}"
        )
    return None


@dataclass(frozen=True)
class FilesConfig:
    root: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    format: str | None = None
    delimiter: str = ","
    header: bool = True

    @classmethod
    def from_settings(cls, settings: ConnectionSettings) -> FilesConfig:
        props = settings.properties or {}
        problem = root_problem(settings.database)
        if problem:
            raise TerminalError(problem, error_type="INVALID_CONNECTION")
        fmt = props.get("format")
        if fmt is not None:
            fmt = str(fmt).lower()
            fmt = {"json": "jsonl", "ndjson": "jsonl"}.get(fmt, fmt)
            if fmt not in FORMATS:
                raise TerminalError(
                    f"properties.format {fmt!r} is not one of {', '.join(FORMATS)}",
                    error_type="INVALID_CONNECTION",
                )
        header = props.get("header", True)
        if isinstance(header, str):
            header = header.strip().lower() not in ("false", "0", "no")
        return cls(
            root=settings.database,
            endpoint_url=props.get("endpoint_url") or props.get("endpointUrl"),
            region=props.get("region"),
            access_key=settings.user,
            secret_key=settings.password,
            format=fmt,
            delimiter=str(props.get("delimiter", ",")),
            header=bool(header),
        )

    @property
    def s3(self) -> bool:
        return self.root.startswith("s3://")

    @property
    def version(self) -> str:
        if not self.s3:
            return "local filesystem"
        region = self.region or "us-east-1"
        return f"S3 ({self.endpoint_url or f's3.{region}.amazonaws.com'})"

    def filesystem(self) -> tuple[Any, str]:
        """The pyarrow filesystem and the root's path in it."""
        from pyarrow import fs

        if not self.s3:
            return fs.LocalFileSystem(), self.root.rstrip("/") or "/"
        parsed = urlparse(self.root)
        options: dict[str, Any] = {"region": self.region or "us-east-1"}
        if self.endpoint_url:
            endpoint = urlparse(self.endpoint_url)
            if endpoint.scheme and endpoint.netloc:
                options["endpoint_override"] = endpoint.netloc
                options["scheme"] = endpoint.scheme
            else:
                options["endpoint_override"] = self.endpoint_url
        if self.access_key:
            options["access_key"] = self.access_key
            options["secret_key"] = self.secret_key or ""
        try:
            s3 = fs.S3FileSystem(**options)
        except Exception as exc:
            raise self.classify(exc) from exc
        return s3, f"{parsed.netloc}/{parsed.path.strip('/')}".rstrip("/")

    def confine(self, path: str, shown: str) -> None:
        """A local path (relative: under the root) that, ``..`` collapsed and symlinks followed,
        leads outside the root is refused; ``shown`` names it in the refusal."""
        root = os.path.realpath(self.root)
        real = os.path.realpath(path if path.startswith("/") else f"{self.root}/{path}")
        if real != root and not real.startswith(root.rstrip("/") + "/"):
            raise PolicyDenied(f"{shown} leads outside the connection's root")

    def scrub(self, text: str) -> str:
        """An error message without the secret (some errors echo request details)."""
        if self.secret_key:
            text = text.replace(self.secret_key, "***")
        return text

    def classify(self, exc: BaseException) -> ConnectorError:
        if isinstance(exc, ConnectorError):
            return exc
        text = safe_detail(self.scrub(str(exc)))
        where = "S3" if self.s3 else "files"
        lowered = text.lower()
        if any(
            word in lowered
            for word in ("access denied", "access_denied", "invalidaccesskeyid", "signature")
        ) or ("access key" in lowered):
            return TerminalError(
                f"{where}: access denied; check the access key id (username) and secret: {text}",
                error_type="AUTHENTICATION_FAILED",
            )
        if any(
            word in lowered
            for word in (
                "timed out",
                "timeout",
                "connection refused",
                "couldn't connect",
                "network",
            )
        ):
            return TransientError(f"{where}: {text}", error_type="SOURCE_UNAVAILABLE")
        if isinstance(exc, FileNotFoundError) or "nosuchbucket" in lowered:
            return TerminalError(f"{where}: {text}", error_type="TABLE_NOT_FOUND")
        import pyarrow as pa

        if isinstance(exc, pa.ArrowInvalid | pa.ArrowTypeError):
            # A parser quotes the value it choked on: the file's content, never shown.
            text = re.sub(r"'[^']*'?", "(a value)", text)
            return TerminalError(f"{where}: {text}", error_type="DATA_ERROR")
        return TerminalError(f"{where}: {type(exc).__name__}: {text}", error_type="SOURCE_ERROR")
