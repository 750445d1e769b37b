"""The hash-checked locks (requirements/*.lock) install what pyproject.toml pins.

`make install` and production install from the locks alone, so a pin changed in pyproject.toml
without `make lock` would quietly not be installed; these tests catch that.
"""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
# A lock entry: `name==version`, an optional environment marker, then its hashes on the following lines.
LOCK_ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")


def project_pins(extra: str | None = None) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    pins = {}
    for line in listed:
        requirement = Requirement(line)
        (specifier,) = requirement.specifier  # every dependency is pinned with a single ==
        assert specifier.operator == "==", f"{line} is not pinned with =="
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def lock_entries(name: str) -> dict[str, tuple[str, int]]:
    """Package -> (version, number of hashes) as the lock file lists them."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        match = LOCK_ENTRY.match(line)
        if match:
            current = canonicalize_name(match["name"])
            entries[current] = (match["version"], 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


def locked_versions(name: str) -> dict[str, str]:
    return {package: version for package, (version, _) in lock_entries(name).items()}


def test_runtime_lock_installs_every_runtime_pin_at_its_version():
    locked = locked_versions("runtime.lock")
    assert {package: locked.get(package) for package in project_pins()} == project_pins()


def test_runtime_lock_holds_no_test_only_tool():
    locked = locked_versions("runtime.lock")
    test_only = set(project_pins("test")) - set(project_pins())
    # factory-boy stays: django-oscar itself requires it at run time.
    assert test_only & set(locked) == {"factory-boy"}


def test_test_lock_installs_runtime_and_test_pins_at_their_versions():
    locked = locked_versions("test.lock")
    wanted = project_pins() | project_pins("test")
    assert {package: locked.get(package) for package in wanted} == wanted


def test_tests_run_against_the_versions_production_installs():
    runtime, test = locked_versions("runtime.lock"), locked_versions("test.lock")
    assert {package: test.get(package) for package in runtime} == runtime


def test_every_locked_package_carries_a_hash():
    for name in ("runtime.lock", "test.lock"):
        unhashed = [package for package, (_, hashes) in lock_entries(name).items() if hashes == 0]
        assert unhashed == [], f"{name}: {unhashed}"
