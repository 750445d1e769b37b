"""Where drug-utilisation review gets its interaction data.

``interaction_source()`` returns the source named by the setting
``DUR_INTERACTION_SOURCE`` (a dotted path to a callable that returns a
``compliance.core.InteractionSource``); the default is the bundled French ANSM
thesaurus, which is demonstration data. A pharmacy that licenses a compendium
(First Databank, Medi-Span…) writes an adapter with the same three methods over
its licensed files and names it in the setting.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from compliance.core import InteractionSource

DEFAULT = "compliance.interactions.ansm.demo_source"


def interaction_source() -> InteractionSource:
    return import_string(getattr(settings, "DUR_INTERACTION_SOURCE", DEFAULT) or DEFAULT)()
