"""Checkout views: the card is authorised at "Place order", never charged there.

The payment views are overridden, and the checkout start and address step only to
say they do not judge the ship-to state; oscar's ``get_class`` falls back to
oscar's own views for every other step.

- Payment details: a test-card chooser against the local test server, Stripe.js's
  Payment Element against real Stripe. The choice is kept in the checkout session.
- Place order (``handle_payment``): one PaymentIntent with manual capture for the
  order total (``payments.services.authorise_payment``), recorded with oscar's
  ``Source`` and an "Authorised" ``PaymentEvent``. A declined card re-renders the
  payment page with the bank's message; 3-D Secure redirects to
  ``AuthenticationView``.
- These views run outside ``ATOMIC_REQUESTS``: a rollback cannot undo Stripe, so
  the payment records are committed on their own, order placement runs in its
  own transaction, and if placement fails the authorisation is voided.
- In that transaction, before the order is written, the prescriptions the
  basket uses are locked and their coverage counted again
  (``prescriptions.gate.coverage_refusals_at_placing``): two checkouts for the
  last fill of one prescription place one order, not two.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from oscar.apps.checkout import exceptions as checkout_exceptions
from oscar.apps.checkout import views as oscar_views
from oscar.core.loading import get_class, get_classes, get_model

from infra import ratelimit
from infra.errors import show_error
from payments import cards, services
from payments.client import is_test_server
from payments.exceptions import (
    CardDeclined,
    NoPaymentForOrder,
    PaymentGatewayUnavailable,
    PaymentNotAllowed,
)
from payments.forms import StripeCardForm, TestCardForm
from payments.models import PaymentAuthorisation
from prescriptions.gate import coverage_refusals_at_placing, judge_basket, record_judgement

RedirectRequired, UnableToTakePayment, PaymentError = get_classes(
    "payment.exceptions", ["RedirectRequired", "UnableToTakePayment", "PaymentError"]
)
Applicator = get_class("offer.applicator", "Applicator")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")

logger = logging.getLogger("oscar.checkout")

#: Ids the database can hold: a bigger number is no id of ours (and overflows the query).
MAX_ID = 2**63 - 1


def parse_id(raw) -> int | None:
    """An id from a form, or None when it is not one (text, negative, too big)."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_ID else None


class ShippingAddressView(oscar_views.ShippingAddressView):
    """Oscar's shipping-address step, with the address-book choice checked.

    Oscar looks the chosen address up with ``get(pk=request.POST["address_id"])``:
    a non-numeric, unknown or someone else's id was a server error. Here only one of
    the customer's own shipping addresses can be chosen; anything else is a message
    and the same page. The step is always reachable, whatever state the last address
    was in, so that the customer can choose one the pharmacy ships to.
    """

    judge_ship_to = False  # ``CheckoutSessionMixin.judge_ship_to``

    def post(self, request, *args, **kwargs):
        if not (request.user.is_authenticated and "address_id" in request.POST):
            return super().post(request, *args, **kwargs)
        if request.POST.get("action") != "ship_to":
            return HttpResponseBadRequest()  # as oscar: the only action of that form
        address_id = parse_id(request.POST.get("address_id"))
        address = self.get_available_addresses().filter(pk=address_id).first() if address_id else None
        if address is None:
            messages.error(request, _("Please choose one of your saved addresses, or enter a new one."))
            return redirect("checkout:shipping-address")
        self.checkout_session.ship_to_user_address(address)
        return redirect(self.get_success_url())


class IndexView(oscar_views.IndexView):
    judge_ship_to = False  # leads to the address step (``CheckoutSessionMixin.judge_ship_to``)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PaymentDetailsView(oscar_views.PaymentDetailsView):
    # --- Card entry -------------------------------------------------------------

    def payment_form_class(self):
        return TestCardForm if is_test_server() else StripeCardForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["test_mode"] = is_test_server()
        ctx["stripe_publishable_key"] = settings.STRIPE_PUBLISHABLE_KEY
        choice = self.checkout_session.payment_method()
        if "payment_form" not in ctx:
            initial = {}
            card = cards.card_for_choice(choice or "")
            if card is not None:
                initial["test_card"] = card.key
            ctx["payment_form"] = self.payment_form_class()(initial=initial)
        ctx["payment_summary"] = self.payment_summary(choice)
        order_total = ctx.get("order_total")
        if order_total is not None:
            ctx["order_total_minor_units"] = int(order_total.incl_tax * 100)
        return ctx

    @staticmethod
    def payment_summary(choice: str | None) -> str:
        card = cards.card_for_choice(choice or "")
        if card is not None:
            return _("Test card %(label)s") % {"label": card.label}
        if choice:
            return _("Card entered securely with Stripe")
        return ""

    def handle_payment_details_submission(self, request):
        form = self.payment_form_class()(request.POST)
        if not form.is_valid():
            return self.render_payment_details(request, payment_form=form)
        self.checkout_session.pay_by(form.payment_method_choice())
        return redirect("checkout:preview")

    def get_pre_conditions(self, request):
        conditions = super().get_pre_conditions(request)
        if request.method == "POST" and request.POST.get("action") != "place_order":
            # The card form itself posts to the preview URL (oscar's design).
            conditions = [name for name in conditions if name != "check_payment_data_is_captured"]
        return conditions

    def check_payment_data_is_captured(self, request):
        try:
            self.skip_unless_payment_is_required(request)
        except checkout_exceptions.PassedSkipCondition:
            return  # nothing to pay
        choice = self.checkout_session.payment_method() or ""
        usable = choice.startswith("pm_") or (is_test_server() and cards.card_for_choice(choice) is not None)
        if not usable:
            raise checkout_exceptions.FailedPreCondition(
                url=reverse("checkout:payment-details"), message=_("Please choose how to pay.")
            )

    # --- Place order ----------------------------------------------------------------

    def handle_place_order_submission(self, request):
        # Each Place order authorises a card: limited, against card testing (infra/ratelimit.py).
        refused = ratelimit.limit_request(
            request,
            bucket="place-order",
            setting="RXSHOP_PLACE_ORDER_RATE_LIMIT",
            what=pgettext_lazy("you have …", "pressed Place order"),
        )
        if refused is not None:
            return refused
        return super().handle_place_order_submission(request)

    def handle_payment(self, order_number, total, **kwargs):
        # The gate's judgement of this request (made in dispatch, on the basket as it is now and
        # the address chosen), stored for the inspector with the number of the order it placed;
        # judged again only if the basket or the address changed since.
        ship_to_state = self.ship_to_state(self.request)
        judgement = getattr(self, "gate_judgement", None)
        if judgement is None or not judgement.still_holds_for(self.request.basket, ship_to_state):
            judgement = judge_basket(self.request.basket, ship_to_state=ship_to_state)
        record_judgement(judgement, order_number=order_number, actor=self.request.user)
        if judgement.refusals:
            raise UnableToTakePayment(" ".join(r.message for r in judgement.refusals))
        if total.incl_tax <= 0:
            return
        try:
            authorisation = services.authorise_payment(
                order_number=order_number,
                amount=total.incl_tax,
                currency=total.currency,
                payment_method=self.checkout_session.payment_method() or "",
                actor=self.request.user,
            )
        except (CardDeclined, PaymentNotAllowed) as exc:
            raise UnableToTakePayment(str(exc)) from exc
        except (PaymentGatewayUnavailable, NoPaymentForOrder) as exc:
            raise PaymentError(str(exc)) from exc
        if authorisation.state == PaymentAuthorisation.State.REQUIRES_ACTION:
            raise RedirectRequired(reverse("payments:authenticate"))
        source_type, _created = SourceType.objects.get_or_create(name=services.SOURCE_TYPE)
        self.add_payment_source(
            Source(
                source_type=source_type,
                currency=total.currency,
                amount_allocated=total.incl_tax,
                reference=authorisation.intent_id,
                label=authorisation.card_label,
            )
        )
        self.add_payment_event(services.AUTHORISED, total.incl_tax, reference=authorisation.intent_id)

    def handle_order_placement(self, order_number, user, basket, *args, **kwargs):
        try:
            with transaction.atomic():
                # Another checkout may have placed an order for the same prescription since
                # handle_payment's gate: lock the prescriptions and count their open orders again,
                # in the transaction that writes this order.
                refusals = coverage_refusals_at_placing(basket)
                if refusals:
                    raise UnableToPlaceOrder(" ".join(r.message for r in refusals))
                return super().handle_order_placement(order_number, user, basket, *args, **kwargs)
        except Exception:
            # The order was rolled back, the card authorisation was not: give it back.
            try:
                services.cancel_unplaced_authorisation(
                    order_number=order_number,
                    actor=user,
                    reason="The order could not be placed after the card was authorised.",
                )
            except Exception:  # noqa: BLE001 - the original error matters more; the expiry job retries
                logger.exception("Order #%s: could not void the authorisation", order_number)
            raise

    def save_payment_details(self, order):
        super().save_payment_details(order)
        if self._payment_sources:
            services.attach_to_order(order=order)


class AuthenticationView(PaymentDetailsView):
    """3-D Secure: the bank asks the customer to confirm, then the order is placed.

    The basket was frozen when "Place order" was pressed; the order is placed
    from that basket once the card is authorised, after the checkout checks
    (including the prescription gate) are run on it again.
    """

    authentication_template_name = "payments/authenticate.html"
    preview = True

    def get_pre_conditions(self, request):
        return []  # run by hand on the submitted basket in post()

    def get_skip_conditions(self, request):
        return []

    def _awaiting(self) -> PaymentAuthorisation | None:
        order_number = self.checkout_session.get_order_number()
        if not order_number:
            return None
        return PaymentAuthorisation.objects.filter(
            order_number=order_number,
            state=PaymentAuthorisation.State.REQUIRES_ACTION,
            order__isnull=True,
        ).first()

    def get(self, request, *args, **kwargs):
        authorisation = self._awaiting()
        if authorisation is None:
            # Nothing to confirm (it expired, or was answered in another tab): give the basket back.
            if self.checkout_session.get_submitted_basket_id():
                self.restore_frozen_basket()
            messages.info(request, _("There is no card payment waiting for confirmation."))
            return redirect("checkout:payment-details")
        ctx = {
            "authorisation": authorisation,
            "currency": authorisation.currency.upper(),
            "test_mode": is_test_server(),
            "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        }
        if not ctx["test_mode"]:
            ctx["client_secret"] = services.client_secret_for(order_number=authorisation.order_number)
        return TemplateResponse(request, self.authentication_template_name, ctx)

    def post(self, request, *args, **kwargs):
        order_number = self.checkout_session.get_order_number()
        outcome = request.POST.get("outcome", "")  # "" when Stripe.js finished: read Stripe
        if not order_number:
            return redirect("checkout:payment-details")
        if outcome == "cancel":
            services.cancel_unplaced_authorisation(
                order_number=order_number,
                actor=request.user,
                reason="The customer cancelled 3-D Secure.",
            )
            self.restore_frozen_basket()
            messages.info(request, _("No payment has been taken. Choose a card to try again."))
            return redirect("checkout:payment-details")
        simulate = {"success": True, "fail": False}.get(outcome) if is_test_server() else None
        try:
            authorisation = services.complete_authentication(
                order_number=order_number,
                actor=request.user,
                simulate_success=simulate,
            )
        except (CardDeclined, NoPaymentForOrder) as exc:
            self.restore_frozen_basket()
            show_error(request, exc)
            return redirect("checkout:payment-details")
        if authorisation.state == PaymentAuthorisation.State.REQUIRES_ACTION:
            return redirect("payments:authenticate")
        return self.place_authorised_order(request, order_number)

    def place_authorised_order(self, request, order_number):
        basket = self.get_submitted_basket()
        basket.strategy = request.strategy
        Applicator().apply(basket, request.user, request)
        request.basket = basket
        try:
            for check in (
                "check_basket_is_not_empty",
                "check_basket_is_valid",
                "check_user_email_is_captured",
                "check_shipping_data_is_captured",
            ):
                getattr(self, check)(request)
        except checkout_exceptions.FailedPreCondition as exc:
            services.cancel_unplaced_authorisation(
                order_number=order_number,
                actor=request.user,
                reason="The basket no longer passed the checkout checks after 3-D Secure.",
            )
            self.restore_frozen_basket()
            for message in exc.messages:
                messages.warning(request, message)
            return redirect(exc.url)
        return self.submit(**self.build_submission(basket=basket))
