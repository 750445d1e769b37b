"""Keep patient data out of logs and error reports.

Logs go to places patients never agreed to (log shippers, support tickets,
developers' terminals). ``RedactPatientData`` is a logging filter on every
handler (``settings.LOGGING``): it rewrites each record's message and
traceback, replacing e-mail addresses, telephone numbers, card numbers, US
social security numbers, Stripe secrets and the values of the patient fields
rxshop knows (``first_name='Alice'``, ``"date_of_birth": "1994-05-17"``) with
``[redacted]``. It cannot recognise a name written alone in free text: code
must not log names; this filter is the net under that rule.

``PatientDataExceptionReporterFilter`` (``DEFAULT_EXCEPTION_REPORTER_FILTER``)
hides every POST value and every local variable from Django's error reports
(the DEBUG page, and e-mails to ADMINS when those are configured): a
prescription upload form is full of patient data.
"""

from __future__ import annotations

import logging
import re

from django.views.debug import SafeExceptionReporterFilter

REDACTED = "[redacted]"

# Fields of Patient, Prescription, oscar's addresses and users that identify a patient.
PATIENT_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "name",
    "date_of_birth",
    "dob",
    "birth_date",
    "email",
    "phone",
    "phone_number",
    "address",
    "address_line1",
    "address_line2",
    "line1",
    "line2",
    "line3",
    "line4",
    "city",
    "postcode",
    "zip",
    "prescriber_name",
    "prescriber_phone",
    "prescriber_email",
    "prescriber_address",
    "directions",
    "answer",
    "message_from_customer",
    "original_name",
    "username",
    "password",
)

_PATTERNS = [
    # key=value and "key": "value" pairs of the fields above (reprs of dicts, forms, querysets)
    re.compile(
        r"""(?P<key>\b(?:"""
        + "|".join(PATIENT_FIELDS)
        + r""")\b['"]?\s*[:=]\s*)(?P<quote>['"]?)(?P<value>[^'",}\]\)&\n]*)(?P=quote)""",
        re.IGNORECASE,
    ),
    re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"),  # e-mail addresses
    re.compile(
        r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9]{8,}|\bpi_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"
    ),
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # social security numbers
    re.compile(r"\b\d(?:[ -]?\d){12,18}\b"),  # card numbers
    re.compile(r"(?<![\w/.-])(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b"),  # US telephone numbers
]


def redact(text: str) -> str:
    def keep_key(match: re.Match) -> str:
        return f"{match.group('key')}{match.group('quote')}{REDACTED}{match.group('quote')}"

    text = _PATTERNS[0].sub(keep_key, text)
    for pattern in _PATTERNS[1:]:
        text = pattern.sub(REDACTED, text)
    return text


class RedactPatientData(logging.Filter):
    """Rewrites the record in place (every handler after it sees the redacted text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class PatientDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """No POST value and no local variable in an error report, ever."""

    def is_active(self, request):
        return True  # also when DEBUG is on

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
