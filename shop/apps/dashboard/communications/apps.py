import oscar.apps.dashboard.communications.apps as apps


class CommunicationsDashboardConfig(apps.CommunicationsDashboardConfig):
    """Oscar's e-mail templates dashboard, forked so that "Send preview" queues the
    e-mail for a worker instead of sending it inside the request: see views.py."""

    name = "shop.apps.dashboard.communications"
