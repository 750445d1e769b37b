from __future__ import annotations

import datetime

from django import template

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
    if not born:
        return ""
    on = on or datetime.date.today()
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return str(years)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, "")


@register.simple_tag
def override_name(rule_id: str) -> str:
    return f"override__{rule_id}"
