"""deploy/ kept honest without Docker or systemd: names, paths and the healthcheck that runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.config import ENV_NAMES, load_settings
from bot.discord.client import SHUTDOWN_TIMEOUT
from tests.test_cli import yomikai

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SECRETS = ("DISCORD_TOKEN", "OPENAI_API_KEY")
_VARIABLE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def env_example() -> dict[str, tuple[bool, str]]:
    """NAME -> (commented out, value) for every variable line of deploy/.env.example."""
    found = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        match = _VARIABLE.match(line)
        if match:
            assert match.group(2) not in found, f"{match.group(2)} twice"
            found[match.group(2)] = (bool(match.group(1)), match.group(3))
    return found


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined, pending = [], ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1].strip()) for text in joined]


def dockerfile(name: str) -> list[str]:
    return [
        args for instruction, args in instructions(DEPLOY / "Dockerfile") if instruction == name
    ]


def unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "yomikai.service").read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            values.setdefault(key.strip(), []).append(value.strip())
    return values


# --- .env.example ---


def test_env_example_names_every_setting_and_nothing_else() -> None:
    names = set(env_example())
    assert set(ENV_NAMES) | {"YOMIKAI_CONFIG", "YOMIKAI_LOG_FORMAT"} <= names
    assert names <= set(ENV_NAMES) | {"YOMIKAI_CONFIG"}, "a variable the project does not read"


def test_env_example_holds_the_defaults_and_no_secret() -> None:
    variables = env_example()
    active = {name: value for name, (commented, value) in variables.items() if not commented}
    for secret in SECRETS:
        assert active[secret] == ""
    assert active["YOMIKAI_LOG_FORMAT"] == "text"
    assert load_settings(active) == load_settings({})
    # Plain values only: systemd's EnvironmentFile keeps quotes and trailing comments.
    assert all(not re.search(r"[\s#'\"]", value) for value in active.values())


def test_env_example_leaves_the_database_path_to_the_image_and_the_unit() -> None:
    commented, _ = env_example()["YOMIKAI_DB"]
    assert commented, "YOMIKAI_DB in the env file would move the database off the volume"


# --- Dockerfile ---


def test_dockerfile_runs_the_bot_as_a_user_with_a_volume() -> None:
    assert dockerfile("FROM") == ["python:3.11-slim"]
    assert dockerfile("USER")[-1] not in ("root", "0", "0:0")
    assert any("/data" in json.loads(args) for args in dockerfile("VOLUME"))
    assert "YOMIKAI_DB=/data/yomikai.db" in dockerfile("ENV")
    assert json.loads(dockerfile("CMD")[-1]) == ["yomikai", "run"]
    assert dockerfile("STOPSIGNAL") == ["SIGTERM"]
    assert len(dockerfile("HEALTHCHECK")) == 1
    installs = [run for run in dockerfile("RUN") if "pip install" in run]
    assert installs, "the project is installed with pip"
    assert not any("[dev]" in run or "-e " in run for run in installs)


def test_dockerfile_copies_what_the_package_is_built_from() -> None:
    sources = {s for args in dockerfile("COPY") for s in args.split()[:-1]}
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["setuptools"]["packages"]["find"]["include"]
    needed = {"pyproject.toml", project["project"]["readme"]}
    needed |= {package.rstrip("*") for package in packages}
    assert needed <= sources
    allowed = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert {f"!{name}" for name in needed} <= set(allowed)


def test_the_grace_period_covers_the_shutdown() -> None:
    compose = (DEPLOY / "docker-compose.yml").read_text()
    for line in ("stop_grace_period: 30s", "restart: unless-stopped", "env_file: .env",
                 "context: ..", "dockerfile: deploy/Dockerfile", "- yomikai-data:/data"):  # fmt: skip
        assert line in compose
    assert unit()["TimeoutStopSec"] == ["30"]
    assert SHUTDOWN_TIMEOUT < 30


# --- systemd unit ---


def test_the_unit_runs_the_bot_from_the_venv_with_its_state_directory() -> None:
    values = unit()
    assert values["ExecStart"] == ["/opt/yomikai/.venv/bin/yomikai run"]
    assert values["EnvironmentFile"] == ["/etc/yomikai/yomikai.env"]
    assert "YOMIKAI_DB=/var/lib/yomikai/yomikai.db" in values["Environment"]
    assert values["StateDirectory"] == ["yomikai"]
    assert values["ReadWritePaths"] == ["/var/lib/yomikai"]
    assert values["User"] != ["root"]
    assert values["Restart"] == ["on-failure"]
    for hardening in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert values[hardening] == ["yes"]
    assert values["ProtectSystem"] == ["strict"]


# --- the healthcheck, run here as Docker would run it ---


def healthcheck(db: Path) -> int:
    (args,) = dockerfile("HEALTHCHECK")
    command = json.loads(args[args.index("CMD ") + 4 :])
    assert command[0] == "python"
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES} | {"YOMIKAI_DB": str(db)}
    result = subprocess.run(
        [sys.executable, *command[1:]], env=env, capture_output=True, timeout=10, check=False
    )
    assert result.returncode in (0, 1)  # Docker reserves every other status
    return result.returncode


def test_the_healthcheck_passes_on_a_database_the_project_created(tmp_path: Path) -> None:
    db = tmp_path / "yomikai.db"
    assert yomikai({"YOMIKAI_DB": str(db)}, "db", "migrate").returncode == 0
    assert healthcheck(db) == 0


def test_the_healthcheck_passes_while_a_writer_holds_a_transaction(tmp_path: Path) -> None:
    db = tmp_path / "yomikai.db"
    assert yomikai({"YOMIKAI_DB": str(db)}, "db", "migrate").returncode == 0
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO command_syncs VALUES ('global', 'x', 'now')")
        assert healthcheck(db) == 0
        writer.execute("ROLLBACK")


@pytest.mark.parametrize("state", ["missing", "empty", "not a database"])
def test_the_healthcheck_fails_without_a_migrated_database(tmp_path: Path, state: str) -> None:
    db = tmp_path / "yomikai.db"
    if state == "empty":
        sqlite3.connect(db).close()
    elif state == "not a database":
        db.write_bytes(b"x" * 4096)
    assert healthcheck(db) == 1
    assert db.exists() == (state != "missing")  # the check never creates the file
