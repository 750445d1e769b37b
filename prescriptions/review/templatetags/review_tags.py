from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from compliance.core.context import age_on as age_in_years

register = template.Library()


@register.filter
def duration(value) -> str:
    """A waiting time for people: "45 min", "3 h 05 min", "2 d 4 h"."""
    if not isinstance(value, datetime.timedelta):
        return ""
    minutes = max(int(value.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


@register.filter
def age_on(born, on=None) -> str:
    """The patient's age today where the pharmacy is (settings.TIME_ZONE), as the rules count it;
    the server's own date runs ahead of New York's for several hours every night."""
    if not born:
        return ""
    return str(age_in_years(born, on or timezone.localdate()))


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, "")


@register.simple_tag
def override_name(rule_id: str) -> str:
    return f"override__{rule_id}"
