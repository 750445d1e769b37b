"""Installing rxshop as a package gives the whole site: the wheel carries every template
(pages and e-mails) and static file of the tree, not only the Python code."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shop", "prescriptions", "compliance", "payments", "infra")


def _site_files() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            relative = path.relative_to(ROOT)
            if path.is_file() and {"templates", "static"} & set(relative.parts) and "__pycache__" not in relative.parts:
                found.add(relative.as_posix())
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """Built from a clean copy of the tree (the files git knows, as they are now): a stale
    *.egg-info left in a working tree would smuggle files into the wheel and hide a gap."""
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("rxshop-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_carries_every_template_and_static_file(wheel):
    expected = _site_files()
    assert len(expected) > 40  # pages, partials, e-mails, css
    missing = expected - set(wheel.namelist())
    assert not missing, f"not in the wheel: {sorted(missing)[:20]}"


def test_the_wheel_carries_the_migrations_and_no_tests(wheel):
    names = set(wheel.namelist())
    assert "prescriptions/migrations/0001_initial.py" in names
    assert "infra/migrations/0001_initial.py" in names
    assert not any(name.startswith(("tests/", "bench/")) for name in names)
