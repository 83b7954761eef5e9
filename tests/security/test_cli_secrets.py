"""The CLI keeps a password off the command line (where every user of the machine sees it in
the process list): ``ductwork login`` reads it from DUCTWORK_PASSWORD as its help says, or asks
for it without echo; the credential it keeps is readable by its owner only."""

from __future__ import annotations

import stat

import typer

from cli import config
from cli.main import app


def _login_password_option():  # type: ignore[no-untyped-def]
    command = typer.main.get_command(app)
    login = command.commands["login"]  # type: ignore[attr-defined]
    return next(p for p in login.params if p.name == "password")


def test_login_reads_the_password_from_the_environment():
    option = _login_password_option()
    assert option.envvar == "DUCTWORK_PASSWORD", option.envvar
    assert "DUCTWORK_PASSWORD" in (option.help or "")


def test_the_kept_credential_is_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    path = config.save(config.Profile(url="http://x", credential="SECRET-TOKEN", tenant="t"))
    assert path.is_relative_to(tmp_path), path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
