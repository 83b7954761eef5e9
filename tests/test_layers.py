"""The layer contracts in pyproject.toml ([tool.importlinter]) hold, and they catch a breach."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINTER = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
PACKAGES = tuple(LINTER["root_packages"])
CONTRACTS = len(LINTER["contracts"])
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_tree_keeps_every_layer_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    assert f"Contracts: {CONTRACTS} kept, 0 broken." in result.stdout


def test_a_connector_importing_a_workflow_breaks_the_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "migrations"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "connectors" / "layer_breach.py").write_text(
        "from workflows.payloads import LoadStep\n\n__all__ = ['LoadStep']\n"
    )

    result = _lint_imports(tmp_path)

    assert result.returncode != 0, result.stdout
    assert "connectors import nothing above them BROKEN" in result.stdout
    assert "connectors.layer_breach -> workflows.payloads" in result.stdout
