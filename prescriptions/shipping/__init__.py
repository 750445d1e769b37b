"""The ship screen, in the pharmacy section of the dashboard: orders ready to go out, and one
parcel at a time recorded through ``prescriptions.fulfilment.ship_order``."""
