import oscar.apps.dashboard.catalogue.apps as apps


class CatalogueDashboardConfig(apps.CatalogueDashboardConfig):
    """Oscar's catalogue dashboard, forked so that a refused category form does not crash
    the page: see views.py."""

    name = "shop.apps.dashboard.catalogue"
