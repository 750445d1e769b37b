"""US states and territories (USPS codes) for licence records: the same list the shop ships to."""

from shop.storefront.states import US_STATES

STATE_CHOICES = sorted(US_STATES.items(), key=lambda kv: kv[1])
