"""Wording a customer reads, kept translatable without Django (the core stays pure).

A rule writes its customer sentence in English, marked with ``gettext_noop`` (so Django's
``makemessages`` extracts it) or, when it has values in it, as ``CustomerText(template,
**values)``: a plain ``str`` (the English sentence) that also remembers its template and
values. The page or e-mail that shows it translates it into the reader's language
(``prescriptions.wording.customer_wording``). A date value reads "December 3, 2026" in the
English sentence and is written in the reader's format where the sentence is translated. Staff read the pharmacist messages in English.
"""

from __future__ import annotations

from datetime import date


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translation; translated where it is shown."""
    return message


class CustomerText(str):
    """The English sentence, with the template and values it was made from."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, **values: object) -> CustomerText:
        english = {k: _english(v) for k, v in values.items()}
        text = super().__new__(cls, template % english if values else template)
        text.template = template
        text.values = values
        return text


def _english(value: object) -> object:
    if isinstance(value, date):
        return f"{value:%B} {value.day}, {value.year}"
    return value
