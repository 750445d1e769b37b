"""One JSON object a line, for a log collector (``RXSHOP_LOG_FORMAT=json``).

The formatter runs after the handler's redaction filter (infra/logredact.py), which has
already rewritten the record's message and traceback: it adds no field that could carry
patient data (no request body, no arguments, no extra attributes), only the time, level,
logger, process and the redacted text.
"""

from __future__ import annotations

import datetime
import json
import logging


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        # exc_text is the traceback the redaction filter rewrote; exc_info would format it afresh.
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
