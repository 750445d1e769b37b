"""Re-export of the one US state table, ``compliance.core.states`` (callers move to it)."""
from compliance.core.states import US_STATES, state_choices  # noqa: F401
STATE_CHOICES = state_choices(blank="Select a state")
