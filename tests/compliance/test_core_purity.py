"""The core is plain Python: importing and running it needs no Django."""

from __future__ import annotations

import pathlib
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[2] / "compliance" / "core"
ROOT = CORE.parents[1]


def test_the_core_imports_and_evaluates_without_django():
    script = (
        "import sys\n"
        "sys.modules['django'] = None  # any Django import now fails\n"
        "import compliance.core\n"
        "from compliance.core.programmes import ipledge, lenalidomide, clozapine, mycophenolate\n"
        "sys.path.insert(0, 'tests/compliance')\n"
        "from compliance.core import evaluate, fingerprint\n"
        "assert not [m for m in sys.modules if m.startswith('django.')]\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_module_of_the_core_mentions_django_or_reads_the_clock():
    forbidden = ("import django", "from django", "datetime.now", "date.today", "time.time(", "timezone.now")
    offenders = [
        f"{path.relative_to(CORE)}: {word}"
        for path in CORE.rglob("*.py")
        for word in forbidden
        if word in path.read_text()
    ]
    assert offenders == []
