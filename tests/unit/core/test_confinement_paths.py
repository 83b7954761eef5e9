"""core.confinement.paths: which local paths a tenant's connections may name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.base import PolicyDenied
from core.confinement import paths
from core.settings import Settings

TENANT = "acme"


def make_settings(tmp_path: Path, **confinement: object) -> Settings:
    return Settings.model_validate({"data_dir": tmp_path / "data", "confinement": confinement})


def own(tmp_path: Path) -> Path:
    return Path(os.path.realpath(tmp_path)) / "data" / "tenants" / TENANT


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("db.sqlite", "db.sqlite"),
        ("sub/dir/db.duckdb", "sub/dir/db.duckdb"),
        ("sub/../db.sqlite", "db.sqlite"),
        ("./a/./b.csv", "a/b.csv"),
        ("", ""),
    ],
    ids=["plain", "nested", "dotdot-inside", "dot-segments", "empty-is-the-root"],
)
def test_relative_paths_resolve_in_the_tenant_directory(
    tmp_path: Path, given: str, expected: str
) -> None:
    settings = make_settings(tmp_path)
    got = paths.confine(settings, TENANT, given, "file")
    assert got == str((own(tmp_path) / expected) if expected else own(tmp_path))


def test_absolute_path_inside_the_tenant_directory_is_allowed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    target = paths.tenant_root(settings, TENANT) / "x.db"
    assert paths.confine(settings, TENANT, str(target), "file") == str(target)


@pytest.mark.parametrize(
    "given",
    [
        "../../secret.key",
        "../../ductwork.db",
        "../../staging/part.parquet",
        "../other/db.sqlite",
        "../../../outside.txt",
        "/etc/passwd",
        "/proc/self/environ",
        "db\x00.sqlite",
    ],
    ids=[
        "data-dir-key",
        "data-dir-store",
        "staging",
        "other-tenant",
        "above-data-dir",
        "etc-passwd",
        "proc",
        "nul-byte",
    ],
)
def test_paths_outside_the_tenant_roots_are_denied(tmp_path: Path, given: str) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(PolicyDenied) as err:
        paths.confine(settings, TENANT, given, "file")
    assert err.value.error_type == "POLICY_DENIED"
    assert "file" in err.value.message


def test_the_denial_names_the_setting_that_would_allow_it(tmp_path: Path) -> None:
    with pytest.raises(PolicyDenied) as err:
        paths.confine(make_settings(tmp_path), TENANT, "/etc/hosts", "files root")
    assert err.value.setting == paths.SETTING
    assert paths.SETTING in err.value.message


@pytest.mark.parametrize(
    ("link_target", "allowed"),
    [
        ("inside", True),
        ("outside", False),
        ("data_dir", False),
        ("other_tenant", False),
    ],
    ids=["to-own-dir", "to-outside", "to-data-dir", "to-other-tenant"],
)
def test_symlinks_are_followed_before_the_check(
    tmp_path: Path, link_target: str, allowed: bool
) -> None:
    settings = make_settings(tmp_path)
    root = paths.tenant_root(settings, TENANT)
    other = paths.tenant_root(settings, "other")
    targets = {
        "inside": root / "real",
        "outside": tmp_path / "elsewhere",
        "data_dir": tmp_path / "data",
        "other_tenant": other,
    }
    target = targets[link_target]
    target.mkdir(parents=True, exist_ok=True)
    (root / "link").symlink_to(target, target_is_directory=True)
    if allowed:
        got = paths.confine(settings, TENANT, "link/file.csv", "file")
        assert got == str(Path(os.path.realpath(target)) / "file.csv")
    else:
        with pytest.raises(PolicyDenied):
            paths.confine(settings, TENANT, "link/file.csv", "file")


@pytest.mark.parametrize(
    ("tenant", "allowed"),
    [(TENANT, True), ("other", False)],
    ids=["tenant-with-root", "tenant-without"],
)
def test_tenant_roots_belong_to_their_tenant_only(
    tmp_path: Path, tenant: str, allowed: bool
) -> None:
    exports = tmp_path / "acme-exports"
    exports.mkdir()
    settings = make_settings(tmp_path, tenant_roots={TENANT: [str(exports)]})
    given = str(exports / "a.csv")
    if allowed:
        assert paths.confine(settings, tenant, given, "file") == str(
            Path(os.path.realpath(exports)) / "a.csv"
        )
    else:
        with pytest.raises(PolicyDenied):
            paths.confine(settings, tenant, given, "file")


@pytest.mark.parametrize(
    ("relative", "allowed"),
    [
        ("exports/a.csv", True),
        ("exports", True),
        ("data/secret.key", False),
        ("data/ductwork.db", False),
        ("data/staging/x", False),
        ("data/tenants/other/db.sqlite", False),
        ("data", False),
        (".", False),
        ("secrets-elsewhere/pw", False),
    ],
    ids=[
        "export-file",
        "export-dir",
        "key-file",
        "store",
        "staging",
        "other-tenant",
        "data-dir-itself",
        "root-holding-data-dir",
        "secrets-dir",
    ],
)
def test_an_operator_root_never_exposes_the_service_files(
    tmp_path: Path, relative: str, allowed: bool
) -> None:
    """The operator root covers the whole tmp_path, data directory included."""
    (tmp_path / "exports").mkdir()
    settings = make_settings(
        tmp_path, roots=[str(tmp_path)], secrets_dir=str(tmp_path / "secrets-elsewhere")
    )
    given = str(tmp_path / relative)
    if allowed:
        assert paths.confine(settings, TENANT, given, "file") == os.path.realpath(given)
    else:
        with pytest.raises(PolicyDenied) as err:
            paths.confine(settings, TENANT, given, "file")
        assert err.value.setting is None  # no setting can allow it


@pytest.mark.parametrize(
    "given", ["/proc/self/environ", "/sys/kernel", "/dev/null"], ids=["proc", "sys", "dev"]
)
def test_pseudo_file_systems_stay_denied_under_a_root_of_slash(tmp_path: Path, given: str) -> None:
    settings = make_settings(tmp_path, roots=["/"])
    with pytest.raises(PolicyDenied):
        paths.confine(settings, TENANT, given, "file")


@pytest.mark.parametrize(
    "tenant",
    ["..", ".", "", "a/b", "../x", "-lead", "x" * 129, "a\x00b"],
    ids=["dotdot", "dot", "empty", "slash", "traversal", "leading-dash", "too-long", "nul"],
)
def test_tenant_ids_that_cannot_name_a_directory(tmp_path: Path, tenant: str) -> None:
    with pytest.raises(PolicyDenied):
        paths.tenant_root(make_settings(tmp_path), tenant)


def test_tenant_root_is_created_on_first_use(tmp_path: Path) -> None:
    root = paths.tenant_root(make_settings(tmp_path), "t-1.x_y")
    assert root.is_dir()
    assert root == Path(os.path.realpath(tmp_path)) / "data" / "tenants" / "t-1.x_y"
