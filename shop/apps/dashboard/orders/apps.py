import oscar.apps.dashboard.orders.apps as apps


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    """Oscar's order dashboard, forked so that its status changes go through the
    order-status door (prescriptions.orders): see views.py and forms.py."""

    name = "shop.apps.dashboard.orders"
