"""Oscar's partners dashboard views; one changed (oscar's fork pattern)."""

from oscar.apps.dashboard.partners.views import *  # noqa: F401,F403  (oscar's fork pattern)
from oscar.apps.dashboard.partners.views import PartnerUserLinkView as CorePartnerUserLinkView


class PartnerUserLinkView(CorePartnerUserLinkView):
    """Oscar links a user to a partner on GET too (for the "Undo" link of its unlink
    message). Linking grants the user the partner dashboard, with every customer's
    orders and addresses in it: a link in an e-mail, opened by a signed-in
    administrator, must not be able to do that. POST only (with its CSRF token)."""

    http_method_names = ["post", "options"]
