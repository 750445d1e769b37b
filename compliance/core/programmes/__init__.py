"""Registered programmes (RULES.md 4). Importing this package registers the
modules in the list below; a new programme is one new module plus one line."""

from .registry import (  # noqa: F401
    EffectiveDate, Programme, ProgrammeVersion, get_programme, programme, programmes, register,
    registered_codes, unregister,
)

# The registry import list.
from . import ipledge, lenalidomide, clozapine, mycophenolate  # noqa: E402,F401
