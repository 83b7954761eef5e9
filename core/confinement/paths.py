"""Which local paths a tenant's connections may name.

A path resolves (``..`` collapsed, symlinks followed) inside one of the tenant's roots:
``<data_dir>/tenants/<tenant>/``, the operator's ``roots`` and the tenant's ``tenant_roots``.
A relative path is taken under ``<data_dir>/tenants/<tenant>/``. The service's own files (the
data directory with the store, keys, staging and Temporal state; the secrets directory; DAG
folders; ``.env``) and the kernel's pseudo file systems are never inside a root, even when
an operator root covers them; another tenant's directory neither.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from connectors.base import PolicyDenied
from core.settings import Settings

SETTING = "DUCTWORK_CONFINEMENT__ROOTS or DUCTWORK_CONFINEMENT__TENANT_ROOTS"
_SYSTEM = (Path("/proc"), Path("/sys"), Path("/dev"))
_TENANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _real(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def tenant_root(settings: Settings, tenant_id: str) -> Path:
    """``<data_dir>/tenants/<tenant>``, created on first use."""
    if not _TENANT_ID.match(tenant_id) or tenant_id in (".", ".."):
        raise PolicyDenied(f"tenant id {tenant_id!r} cannot name a directory")
    root = _real(settings.data_dir) / "tenants" / tenant_id
    root.mkdir(parents=True, exist_ok=True)
    return root


def operator_roots(settings: Settings, tenant_id: str) -> list[Path]:
    """The roots the operator allows this tenant besides its own directory."""
    policy = settings.confinement
    return [_real(r) for r in (*policy.roots, *policy.tenant_roots.get(tenant_id, []))]


def protected(settings: Settings) -> list[Path]:
    """The service's own files and directories, which no root may expose."""
    lifecycle = settings.lifecycle
    found = [
        settings.data_dir,
        settings.secrets_dir,
        settings.key_file,
        Path(".env"),
        *(p for p in (lifecycle.dag_folder, lifecycle.git_repo) if p is not None),
        *_SYSTEM,
    ]
    if settings.data_plane.staging_dir:
        found.append(Path(settings.data_plane.staging_dir))
    store = settings.store_url
    if store.startswith("sqlite"):
        found.append(Path(store.split("///", 1)[-1]))
    return [_real(p) for p in found]


def confine(settings: Settings, tenant_id: str, path: str, what: str) -> str:
    """The real path of ``path`` if the tenant may use it, else PolicyDenied."""
    if "\x00" in path:
        raise PolicyDenied(f"{what} {path!r} holds a NUL byte")
    own = tenant_root(settings, tenant_id)
    given = Path(path)
    real = _real(given if given.is_absolute() else own / given)
    if real.is_relative_to(own):
        return str(real)
    if not any(real.is_relative_to(root) for root in operator_roots(settings, tenant_id)):
        raise PolicyDenied(
            f"{what} {path!r} is outside this tenant's directories (a relative path is taken "
            "in the tenant's own directory)",
            setting=SETTING,
        )
    if any(real.is_relative_to(p) or p.is_relative_to(real) for p in protected(settings)):
        raise PolicyDenied(f"{what} {path!r} is inside (or holds) the service's own files")
    return str(real)
