"""The pharmacy itself: drug facts on products, legitimacy details, delivery, demo data."""
