import oscar.apps.dashboard.partners.apps as apps


class PartnersDashboardConfig(apps.PartnersDashboardConfig):
    """Oscar's partners dashboard, forked so that linking a user to a partner (which
    grants dashboard access to its orders) takes a POST: see views.py."""

    name = "shop.apps.dashboard.partners"
