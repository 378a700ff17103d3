"""The repository carries its own reference: code and docs point into docs/, and every link there resolves."""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [REPO / name for name in out.splitlines() if (REPO / name).is_file()]


def test_nothing_points_outside_the_repository_for_its_reference():
    outside = re.compile(r"\.\./shared|shared/(spec|realdata|STYLE)")
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for path in _tracked()
        if path.suffix in {".py", ".sql", ".yml", ".yaml", ".md", ".toml", ".csv", ""}
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if outside.search(line)
    ]
    assert offenders == []


def test_every_relative_link_in_the_docs_and_readme_resolves():
    link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    broken = []
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for target in link.findall(page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
    assert broken == []
