"""The storefront's own pages (contact, policies, staff second factor, "buy the other items
now"), the footer's legitimacy details, registration that passes the request to django-axes,
oscar's analytics made safe under concurrency, and the demo data (`manage.py load_demo`)."""
