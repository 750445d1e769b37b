"""Stripe's webhook: verify, store once, reconcile. No business rule lives here."""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import webhooks

logger = logging.getLogger(__name__)

# Stripe's own default: an event signed more than five minutes ago is refused,
# so a captured request cannot be replayed later.
SIGNATURE_TOLERANCE_SECONDS = 300


@csrf_exempt
@require_POST
def stripe_webhook(request):
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("STRIPE_WEBHOOK_SECRET is not set: refusing Stripe webhooks.")
        return HttpResponseBadRequest("Webhook not configured.")
    try:
        event = stripe.Webhook.construct_event(
            request.body,
            request.headers.get("Stripe-Signature", ""),
            secret,
            tolerance=SIGNATURE_TOLERANCE_SECONDS,
        ).to_dict()
    except stripe.SignatureVerificationError:
        logger.warning("Stripe webhook with a bad or old signature refused.")
        return HttpResponseBadRequest("Bad signature.")
    except (ValueError, TypeError, AttributeError, KeyError):  # not JSON, or not an object
        logger.warning("Malformed Stripe webhook refused.")
        return HttpResponseBadRequest("Malformed event.")
    try:
        outcome = webhooks.handle_event(event)
    except webhooks.MalformedEvent:
        logger.warning("Signed Stripe webhook that is not an event refused.")
        return HttpResponseBadRequest("Malformed event.")
    return JsonResponse({"received": True, "outcome": str(outcome)})
