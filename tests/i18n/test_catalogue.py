"""The Spanish catalogue is complete: every customer-facing template marks its text for
translation, and every entry of shop/locale/es is translated, not fuzzy, with the same
placeholders as the English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

from tests.i18n.untranslated import untranslated_strings

ROOT = Path(settings.BASE_DIR)
SPANISH_PO = ROOT / "shop" / "locale" / "es" / "LC_MESSAGES" / "django.po"
TEMPLATE_DIRS = [
    ROOT / "shop" / "templates",
    ROOT / "prescriptions" / "templates",
    ROOT / "payments" / "templates",
    ROOT / "prescriptions" / "dispensing" / "templates",
]
# Pharmacy staff's screens (English is fine there: the brief for issue 24).
STAFF_ONLY = (
    "oscar/dashboard/",
    "pharmacy/staff_verify.html",
    "shipping/",
    "dispensing/dispense.html",
    "dispensing/queue.html",
    "dispensing/refund.html",
    # The fill bench (issue 23): every view is @workspace_view(FILL or DISPENSE), pharmacy staff with a
    # second factor. _fill.html/_counselling.html are included by fill.html and dispense.html only.
    "dispensing/_fill.html",
    "dispensing/_counselling.html",
    "dispensing/fill.html",
    "dispensing/fill_queue.html",
    # Reprint screen (workspace_view(FILL)); the printed patient label itself (dispensing/label.py,
    # a PDF) stays English: its wording is the pharmacy's record of what was dispensed.
    "dispensing/reprint.html",
    "dispensing/_labels.html",  # the "recently dispensed" labels list, in queue.html (staff)
    "dispensing/recall.html",  # lot recall search (workspace_view(DISPENSE))
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def customer_templates() -> list[Path]:
    found = []
    for base in TEMPLATE_DIRS:
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(base).as_posix()
            if path.suffix in {".html", ".txt"} and not relative.startswith(STAFF_ONLY):
                found.append(path)
    return found


def _spanish_catalogue():
    with SPANISH_PO.open("rb") as handle:
        return read_po(handle, locale="es")


@pytest.mark.parametrize("template", customer_templates(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_customer_template_has_no_untranslated_text(template):
    untranslated = untranslated_strings(template.read_text(), html=template.suffix == ".html")
    assert untranslated == [], f"wrap these in {{% translate %}} or {{% blocktranslate %}}: {untranslated}"


def test_the_checker_finds_text_outside_translate_tags():
    source = (
        '{% load i18n %}<p>{% translate "Fine" %}</p><p>Not marked</p>'
        '<img alt="a photo" src="x.png"><input type="submit" value="Send">'
        "{% blocktranslate %}Also fine {{ x }}{% endblocktranslate %}<script>var words = 1;</script>"
        '<a href="{% url "x" %}" class="btn">{{ name }}</a> rxshop Pharmacy'
    )
    assert untranslated_strings(source) == ["Not marked", "a photo", "Send"]
    assert untranslated_strings("{% load i18n %}Hello {{ name }},\n{% translate 'Bye' %}", html=False) == ["Hello ,"]


def test_every_spanish_entry_is_translated_and_not_fuzzy():
    catalogue = _spanish_catalogue()
    missing = [
        message.id
        for message in catalogue
        if message.id and (not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    ]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert missing == [], f"untranslated in {SPANISH_PO.name}: {missing}"
    assert fuzzy == [], f"fuzzy (needs a translator's check) in {SPANISH_PO.name}: {fuzzy}"
    assert not catalogue.fuzzy, "the catalogue's header is marked fuzzy: gettext would ignore the whole file"


def test_spanish_entries_keep_the_placeholders():
    for message in _spanish_catalogue():
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = sorted(set(PLACEHOLDER.findall(ids[-1])))
        for string in strings:
            assert sorted(set(PLACEHOLDER.findall(string))) == expected, (message.id, string)


def test_spanish_catalogue_has_two_plural_forms():
    """Django's own and oscar's Spanish catalogues use two forms; a third, empty form would
    show English for every count above one."""
    catalogue = _spanish_catalogue()
    assert catalogue.num_plurals == 2
    assert catalogue.plural_expr == "(n != 1)"


def test_every_marked_string_is_in_the_catalogue(tmp_path):
    """The .po is not stale: Django's makemessages, run on a copy of the code, extracts nothing
    that the committed catalogue lacks."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        pytest.skip("needs GNU gettext's xgettext (apt-get install gettext), as makemessages does")
    ignore = shutil.ignore_patterns("static", "migrations", "__pycache__", "*.mo")
    for package in ("shop", "prescriptions", "payments", "compliance", "infra"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    locale = tmp_path / "shop" / "locale"
    script = (
        "import django; from django.conf import settings; django.setup();"
        f"settings.LOCALE_PATHS = [{str(locale)!r}];"
        "from django.core.management import call_command;"
        "call_command('makemessages', locale=['es'], no_obsolete=True, verbosity=0)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "shop.settings"}
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True, env=env)
    with (locale / "es" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        extracted = read_po(handle, locale="es")
    committed = {message.id for message in _spanish_catalogue()}
    new = [message.id for message in extracted if message.id and message.id not in committed]
    assert new == [], f"marked but not in {SPANISH_PO.name} (run `make makemessages` and translate): {new}"
