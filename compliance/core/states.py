"""The one table of US states and territories (USPS codes) the pharmacy can
ship to: the 50 states, the District of Columbia and Puerto Rico.

The rules name states in messages and key state law by these codes; the
Django layer builds its choices (licences, patients' and shipping addresses)
from ``state_choices``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

US_STATES: Mapping[str, str] = MappingProxyType(
    {
        "AL": "Alabama",
        "AK": "Alaska",
        "AZ": "Arizona",
        "AR": "Arkansas",
        "CA": "California",
        "CO": "Colorado",
        "CT": "Connecticut",
        "DE": "Delaware",
        "DC": "District of Columbia",
        "FL": "Florida",
        "GA": "Georgia",
        "HI": "Hawaii",
        "ID": "Idaho",
        "IL": "Illinois",
        "IN": "Indiana",
        "IA": "Iowa",
        "KS": "Kansas",
        "KY": "Kentucky",
        "LA": "Louisiana",
        "ME": "Maine",
        "MD": "Maryland",
        "MA": "Massachusetts",
        "MI": "Michigan",
        "MN": "Minnesota",
        "MS": "Mississippi",
        "MO": "Missouri",
        "MT": "Montana",
        "NE": "Nebraska",
        "NV": "Nevada",
        "NH": "New Hampshire",
        "NJ": "New Jersey",
        "NM": "New Mexico",
        "NY": "New York",
        "NC": "North Carolina",
        "ND": "North Dakota",
        "OH": "Ohio",
        "OK": "Oklahoma",
        "OR": "Oregon",
        "PA": "Pennsylvania",
        "PR": "Puerto Rico",
        "RI": "Rhode Island",
        "SC": "South Carolina",
        "SD": "South Dakota",
        "TN": "Tennessee",
        "TX": "Texas",
        "UT": "Utah",
        "VT": "Vermont",
        "VA": "Virginia",
        "WA": "Washington",
        "WV": "West Virginia",
        "WI": "Wisconsin",
        "WY": "Wyoming",
    }
)

#: (code, name) pairs in alphabetical order of the name, as a person looks for them.
STATES_BY_NAME: tuple[tuple[str, str], ...] = tuple(sorted(US_STATES.items(), key=lambda kv: kv[1]))


def is_us_state(code: str | None) -> bool:
    """Whether ``code`` is a USPS code of the table (any case)."""
    return bool(code) and code.upper() in US_STATES


def state_name(code: str) -> str:
    """The name of a state ("NY" → "New York"); an unknown code is returned as given."""
    return US_STATES.get(code.upper(), code)


def state_choices(*, blank: str | None = None) -> list[tuple[str, str]]:
    """Choices for a form or model field, by name; with ``blank`` a first,
    empty choice carrying that label (e.g. "Select a state")."""
    head = [("", blank)] if blank is not None else []
    return head + list(STATES_BY_NAME)


def unknown_states(codes: Iterable[str]) -> list[str]:
    """The codes that are not in the table (configuration checks)."""
    return sorted({code for code in codes if code not in US_STATES})
