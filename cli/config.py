"""Where the CLI finds its API and credential: flags, then ``DUCTWORK_URL`` /
``DUCTWORK_API_KEY`` / ``DUCTWORK_TENANT``, then what ``ductwork login`` saved in
``~/.config/ductwork/cli.json`` (mode 0600; ``DUCTWORK_CLI_CONFIG`` moves it)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8000"


@dataclass
class Profile:
    url: str = DEFAULT_URL
    credential: str | None = None  # an access token or an API key
    tenant: str | None = None


def config_path() -> Path:
    configured = os.environ.get("DUCTWORK_CLI_CONFIG")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "ductwork" / "cli.json"


def load() -> Profile:
    saved = Profile()
    path = config_path()
    if path.is_file():
        data = json.loads(path.read_text())
        saved = Profile(**{k: data.get(k) for k in ("url", "credential", "tenant") if k in data})
    return Profile(
        url=os.environ.get("DUCTWORK_URL") or saved.url or DEFAULT_URL,
        credential=os.environ.get("DUCTWORK_API_KEY") or saved.credential,
        tenant=os.environ.get("DUCTWORK_TENANT") or saved.tenant,
    )


def save(profile: Profile) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(asdict(profile), out, indent=2)
    path.chmod(0o600)
    return path
