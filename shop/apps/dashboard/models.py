from oscar.apps.dashboard.models import *
