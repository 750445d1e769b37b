"""US states and territories (USPS codes) for licence records: the one table
of the core, the same list the shop ships to."""

from .core.states import state_choices

STATE_CHOICES = state_choices()
