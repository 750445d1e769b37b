"""Registered programmes (RULES.md 4). Importing this package registers the
modules in the list below; a new programme is one new module plus one line."""

# The registry import list.
from . import clozapine, ipledge, lenalidomide, mycophenolate  # noqa: E402,F401
from .registry import (  # noqa: F401
    EffectiveDate,
    Programme,
    ProgrammeVersion,
    get_programme,
    programme,
    programmes,
    register,
    registered_codes,
    unregister,
)
