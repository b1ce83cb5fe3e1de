"""README's folder table names exactly the repository's top-level folders (what `ls` shows)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tracked_top_level_folders() -> set[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    return {path.split("/", 1)[0] for path in listed.stdout.splitlines()
            if "/" in path and not path.startswith(".")}


def _readme_folders() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("| folder | what |", 1)[1].split("\n\n", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([\w.-]+)/`", cell)}


def test_the_readme_folder_table_matches_the_repository():
    assert _readme_folders() == _tracked_top_level_folders()
