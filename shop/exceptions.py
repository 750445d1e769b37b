"""The shop package's refusals (``infra.errors`` describes the convention)."""

from infra.errors import RxshopError


class ShopError(RxshopError):
    code = "shop_refused"


class AuthenticatorRefused(ShopError):
    """An enrolment or revocation of a staff authenticator that the rules do not allow."""

    code = "authenticator_refused"
