"""The rules' customer sentences in the reader's language (compliance.core.wording).

A rule's sentence is English, marked for translation in the pure core; it is translated only
here, where a page or an e-mail shows it, in the language active then (the customer's page,
or the recipient's language inside a worker's ``send_once``). A sentence with values
(``CustomerText``) is translated from its template; one that went through JSON (an e-mail
queued by task name) travels as ``{"template": ..., "values": ...}`` (``for_queue``).
"""

from __future__ import annotations

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext


def customer_wording(text) -> str:
    """``text`` (a str, a ``CustomerText`` or its queued form) in the active language."""
    if isinstance(text, dict):
        template, values = text.get("template", ""), text.get("values") or {}
    else:
        template, values = getattr(text, "template", None), getattr(text, "values", None)
    if template:
        translated = gettext(template)
        if translated == template and isinstance(text, str):
            return str(text)  # not translated (English): the rule's own sentence
        if values:
            values = {k: date_format(v) if isinstance(v, datetime.date) else v for k, v in values.items()}
        try:
            return translated % values if values else translated
        except (KeyError, ValueError, TypeError):
            return template % values if values else template
    return gettext(str(text)) if text else ""


def for_queue(text) -> str | dict:
    """``text`` as task arguments can carry it (JSON), keeping what translation needs."""
    template = getattr(text, "template", None)
    if template and getattr(text, "values", None):
        return {"template": template, "values": {k: str(v) for k, v in text.values.items()}}
    return str(text)
