"""docker-compose.temporal.yml and the Dockerfile, checked without Docker.

The compose file is parsed, its ``${VAR...}`` interpolations are resolved the way Compose does
with sample values, and the env the api and worker get is fed to the real ``Settings``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from core.secrets import Cipher
from core.settings import Environment, Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.temporal.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
APP_SERVICES = ("api", "worker")

# What an operator exports before `docker compose up`.
SAMPLE_ENV = {
    "DUCTWORK_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "POSTGRES_PASSWORD": "pg-s3cret",
    "DUCTWORK_JWT_SECRET": "jwt-" + "k" * 40,
    "DUCTWORK_ADMIN_PASSWORD": "first-admin-s3cret",
}

# Without these, production settings refuse to start or the processes cannot find each other.
REQUIRED = {
    "DUCTWORK_ENVIRONMENT",
    "DUCTWORK_STORE__URL",
    "DUCTWORK_SECURITY__ENCRYPTION_KEY",
    "DUCTWORK_AUTH__JWT_SECRET",
    "DUCTWORK_TEMPORAL__ADDRESS",
    "DUCTWORK_TEMPORAL__EMBEDDED",
    "DUCTWORK_TEMPORAL__UI_URL",
    "DUCTWORK_API__HOST",
}

_VAR = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's interpolation: ${V}, ${V:-default}, ${V-default}, ${V:?error}, ${V?error}, $$."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def resolve(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg")
        current = env.get(name)
        unset = current is None or (current == "" and op is not None and op.startswith(":"))
        if op in ("-", ":-"):
            return arg if unset else current
        if op in ("?", ":?"):
            if unset:
                raise KeyError(f"{name} is required: {arg}")
            return current
        return current or ""

    return _VAR.sub(resolve, value)


def env_dict(environment: Any) -> dict[str, str]:
    """A service's ``environment`` as a dict, whichever of the two Compose forms it uses."""
    if environment is None:
        return {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {k: _env_value(v) for k, v in environment.items()}


def _env_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # YAML `true` reaches the container as "true"
        return str(value).lower()
    return str(value)


def depends_on(service: dict) -> list[str]:
    deps = service.get("depends_on") or []
    return list(deps) if isinstance(deps, dict | list) else []


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def compose(raw: dict) -> dict:
    return interpolate(raw, SAMPLE_ENV)


@pytest.fixture(scope="module")
def services(compose: dict) -> dict[str, dict]:
    return compose["services"]


def test_interpolation_refuses_to_run_without_the_secrets(raw: dict) -> None:
    for missing in SAMPLE_ENV:
        env = {k: v for k, v in SAMPLE_ENV.items() if k != missing}
        with pytest.raises(KeyError, match=missing):
            interpolate(raw, env)


def test_the_stack_has_its_services(services: dict[str, dict]) -> None:
    assert {"postgresql", "temporal", "temporal-ui", "api", "worker"} <= services.keys()
    for name, service in services.items():
        assert service.get("image") or service.get("build"), f"{name}: no image and no build"
        for target in depends_on(service):
            assert target in services, f"{name} depends on unknown service {target!r}"


def test_temporal_runs_on_the_postgresql_service(services: dict[str, dict]) -> None:
    pg = services["postgresql"]
    assert pg["image"].startswith("postgres:16")
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in pg["volumes"])

    temporal = services["temporal"]
    # Current images: the server, its schema brought up by admin-tools first (no auto-setup).
    assert temporal["image"].startswith("temporalio/server:")
    assert {"postgresql", "temporal-schema"} <= set(depends_on(temporal))
    assert temporal["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully"
    )
    schema = services["temporal-schema"]
    assert schema["image"].startswith("temporalio/admin-tools:")
    script = schema["command"][0]
    for database in ("temporal", "temporal_visibility"):
        assert f"--db {database} update-schema" in script
    assert "$db" in script  # Compose's $$ escape left the shell's variable
    namespace = services["temporal-namespace"]["command"][0]
    assert "--retention 30d" in namespace
    assert "ports" not in temporal  # the frontend is reached on the compose network only
    env, pg_env = env_dict(temporal["environment"]), env_dict(pg["environment"])
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "postgresql"
    assert env["POSTGRES_USER"] == pg_env["POSTGRES_USER"]
    assert env["POSTGRES_PWD"] == pg_env["POSTGRES_PASSWORD"] == SAMPLE_ENV["POSTGRES_PASSWORD"]

    ui = services["temporal-ui"]
    assert ui["image"].startswith("temporalio/ui:")
    assert env_dict(ui["environment"])["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert [str(p) for p in ui["ports"]] == ["127.0.0.1:8233:8080"]  # this host only


def test_every_worker_shares_one_staging_volume(services: dict[str, dict]) -> None:
    for name in APP_SERVICES:
        service = services[name]
        assert "ductwork-staging:/var/lib/ductwork/staging" in service["volumes"]
        env = env_dict(service["environment"])
        assert env["DUCTWORK_DATA_PLANE__STAGING_DIR"] == "/var/lib/ductwork/staging"


def test_api_and_worker_are_built_here_and_run_the_right_commands(
    services: dict[str, dict],
) -> None:
    for name in APP_SERVICES:
        build = services[name]["build"]
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = (
            "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        )
        assert (ROOT / context / dockerfile).resolve() == DOCKERFILE
        assert {"postgresql", "temporal"} <= set(depends_on(services[name]))

    api = services["api"]["command"]
    api = api.split() if isinstance(api, str) else [str(a) for a in api]
    assert api[:3] == ["python", "-m", "api.serve"]
    assert api[api.index("--host") + 1] == "0.0.0.0"
    assert api[api.index("--port") + 1] == "8000"
    assert "8000:8000" in [str(p) for p in services["api"]["ports"]]

    worker = services["worker"]["command"]
    worker = worker.split() if isinstance(worker, str) else [str(a) for a in worker]
    assert worker == ["python", "-m", "worker"]


def test_api_and_worker_share_one_env_with_all_production_needs(
    raw: dict, services: dict[str, dict]
) -> None:
    api, worker = (env_dict(services[name]["environment"]) for name in APP_SERVICES)
    assert api == worker
    assert api.keys() >= REQUIRED, REQUIRED - api.keys()
    assert api["DUCTWORK_ENVIRONMENT"] == "production"
    assert api["DUCTWORK_TEMPORAL__EMBEDDED"] == "false"
    # The secret comes from the operator's environment, never from the file itself.
    raw_env = env_dict(raw["services"]["api"]["environment"])
    assert raw_env["DUCTWORK_SECURITY__ENCRYPTION_KEY"].startswith("${DUCTWORK_ENCRYPTION_KEY:?")
    assert "&" in COMPOSE.read_text(), "the shared env is meant to be one YAML anchor"


def _settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, cwd: Path) -> Settings:
    """Exactly ``env``: the test's own DUCTWORK_* and any .env of the checkout are left out."""
    monkeypatch.chdir(cwd)
    for key in [k for k in os.environ if k.startswith("DUCTWORK_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_env_makes_valid_production_settings(
    service: str, services: dict[str, dict], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = env_dict(services[service]["environment"])
    settings = _settings_from(env, monkeypatch, tmp_path)

    assert settings.environment is Environment.production
    assert settings.temporal.address == "temporal:7233"
    assert settings.temporal.embedded is False
    assert settings.temporal.web_url == "http://localhost:8233"
    assert settings.api.host == "0.0.0.0"
    assert settings.api.port == 8000

    url = make_url(settings.store_url)
    pg_env = env_dict(services["postgresql"]["environment"])
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.port) == ("postgresql", 5432)
    assert url.username == pg_env["POSTGRES_USER"]
    assert url.password == pg_env["POSTGRES_PASSWORD"]
    assert url.database == pg_env["POSTGRES_DB"]

    cipher = Cipher.from_settings(settings)
    assert cipher.decrypt(cipher.encrypt("pw")) == "pw"
    assert not settings.key_file.exists()  # the key came from the env, no file was written


@pytest.mark.parametrize(
    "dropped",
    ["DUCTWORK_SECURITY__ENCRYPTION_KEY", "DUCTWORK_STORE__URL", "DUCTWORK_AUTH__JWT_SECRET"],
)
def test_production_settings_need_what_the_file_provides(
    dropped: str, services: dict[str, dict], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = env_dict(services["api"]["environment"])
    del env[dropped]
    with pytest.raises(ValueError, match=dropped):
        _settings_from(env, monkeypatch, tmp_path)


# --- Dockerfile -----------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines if line and line[0] != "#")
    ]


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rules, enough for this file: globs, ``**/``, later ``!`` wins."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if pattern.startswith("**/"):
            # Any directory level: match the pattern against every run of path components.
            runs = [
                "/".join(parts[i : j + 1]) for i in range(len(parts)) for j in range(i, len(parts))
            ]
            hit = any(fnmatch.fnmatchcase(run, pattern[3:]) for run in runs)
        else:
            hit = any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes)
        if hit:
            ignored = not negate
    return ignored


def test_dockerfile_installs_the_project() -> None:
    assert DOCKERFILE.exists()
    instructions = _dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    copies = [rest for word, rest in instructions if word in ("COPY", "ADD")]
    assert any(rest.split()[0] == "." for rest in copies), copies
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert re.search(r"pip install (\S+ )*'?\.(\[[a-z,]+\])?'?(\s|$)", runs), runs
    assert ("USER", "root") not in instructions
    assert any(word == "USER" for word, _ in instructions), "the image should not run as root"


def test_dockerignore_keeps_local_state_out_and_the_sources_in() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for local in (".venv", ".ductwork", ".env", ".git", "api/__pycache__/main.cpython-311.pyc"):
        assert _ignored(local, patterns), f"{local} would be sent to the Docker daemon"

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    tool = project["tool"]["setuptools"]
    needed = ["pyproject.toml", project["project"]["readme"]]
    needed += [f"{module}.py" for module in tool["py-modules"]]
    for include in tool["packages"]["find"]["include"]:
        needed += [
            str(p.relative_to(ROOT))
            for p in ROOT.glob(include.rstrip("*"))
            if p.is_dir() and (p / "__init__.py").exists()
        ]
    needed += [str(p.relative_to(ROOT)) for p in (ROOT / "store" / "migrations").rglob("*.py")]
    assert len(needed) > 5, needed
    kept_out = [path for path in needed if _ignored(path, patterns)]
    assert kept_out == [], f".dockerignore drops files `pip install .` needs: {kept_out}"
