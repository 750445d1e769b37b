"""Who may open which URL: the access policy the matrix test holds the project to.

Keyed by URL name (``namespace:name``), or ``route:<pattern>`` for an unnamed
pattern; a key may be a glob (``admin:*``) for a family of generated URLs, the
most specific key winning. Each entry gives, per role, the outcome of a GET
with path parameters pointing at customer A's (Alice's) objects:

- ``ALLOWED``: 2xx, or a redirect to a page that is not a login page;
- ``LOGIN``: a redirect to a login page;
- ``FORBIDDEN`` (403), ``NOT_FOUND`` (404), ``METHOD_NOT_ALLOWED`` (405,
  a POST-only view), ``BAD_REQUEST`` (400), ``CONFLICT`` (409);
- a set of these where either is acceptable.

Customer B must never get ALLOWED on Alice's prescription, file or order
pages: for those the table says NOT_FOUND (the views do not admit that the id
exists). On top of the table the test checks that nobody but Alice and the
pharmacy staff is shown Alice's data, and that customers never reach
/dashboard/ or /admin/.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

ALLOWED, LOGIN, FORBIDDEN, NOT_FOUND = "allowed", "login", "forbidden", "not_found"
METHOD_NOT_ALLOWED, BAD_REQUEST, CONFLICT = "method_not_allowed", "bad_request", "conflict"
SECOND_FACTOR = "second_factor"  # a staff member sent to the TOTP page: never expected here

ROLES = ("anonymous", "customer_a", "customer_b", "technician", "pharmacist", "admin")


def policy(anonymous, customer_a=None, customer_b=None, technician=None, pharmacist=None, admin=None) -> dict:
    """Per role; a role left out gets the value of the one before it."""
    values, last = {}, None
    for role, value in zip(ROLES, (anonymous, customer_a, customer_b, technician, pharmacist, admin), strict=False):
        last = value if value is not None else last
        values[role] = last
    return values


def matches(outcome: str, expected) -> bool:
    return outcome in expected if isinstance(expected, (set, frozenset)) else outcome == expected


def describe(expected) -> str:
    return " or ".join(sorted(expected)) if isinstance(expected, (set, frozenset)) else expected


# --- Profiles -------------------------------------------------------------------------------------

PUBLIC = policy(ALLOWED)
POST_ONLY = policy(METHOD_NOT_ALLOWED)
# A page about the signed-in user's own things (their basket, address book): anyone signed in.
SIGNED_IN = policy(LOGIN, ALLOWED)
# A page about one of Alice's objects: Alice only. Everybody else, staff included (the
# customer area is not a staff tool), is told it does not exist.
ALICES = policy(LOGIN, ALLOWED, NOT_FOUND)
# Oscar's shop dashboard (catalogue, orders, offers...): shop staff (is_staff) only; the
# pharmacy roles are not shop staff. The administrator may meet a 404 or 405 where the
# generic id of the test points at nothing, or the view takes POST only.
SHOP_STAFF = policy(
    LOGIN,
    FORBIDDEN,
    FORBIDDEN,
    FORBIDDEN,
    FORBIDDEN,
    {ALLOWED, NOT_FOUND, METHOD_NOT_ALLOWED, f"{ALLOWED}|{NOT_FOUND}"},
)
# The Django admin: staff only; everyone else is sent to the admin's login page.
ADMIN_SITE = policy(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, ALLOWED)
# Append-only records (events, file-access log, evaluations, decisions, payment log):
# not even a superuser may add or delete one in the admin.
ADMIN_APPEND_ONLY = policy(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, FORBIDDEN)
# Shown to nobody, the administrator included.
ADMIN_NOBODY = policy(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, FORBIDDEN)
# The pharmacy workspace (prescriptions.review): technicians and pharmacists. The demo
# shop administrator is a superuser and so holds every permission (see README, Security).
WORKSPACE = policy(LOGIN, FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED, ALLOWED)
WORKSPACE_POST = policy(LOGIN, FORBIDDEN, FORBIDDEN, METHOD_NOT_ALLOWED)
PHARMACIST_ONLY = policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED)
PHARMACIST_ONLY_POST = policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, METHOD_NOT_ALLOWED)

_OSCAR_SHOP_DASHBOARD = (
    "attribute-option-group-create attribute-option-group-delete attribute-option-group-list "
    "attribute-option-group-update category-create category-create-child category-delete category-detail-list "
    "category-list category-update class-create class-delete class-list class-update option-create "
    "option-delete option-list option-update product product-bulk-action product-create product-create-child "
    "product-delete product-list product-lookup"
).split()

POLICY: dict[str, dict] = {
    # --- The shop front ------------------------------------------------------------------------------
    "home": PUBLIC,
    "catalogue:index": PUBLIC,
    "catalogue:category": PUBLIC,
    "catalogue:detail": PUBLIC,
    "catalogue:reviews-list": PUBLIC,
    "catalogue:reviews-add": PUBLIC,
    "search:search": PUBLIC,
    "offer:list": PUBLIC,
    "set_language": PUBLIC,
    "pharmacy:contact": PUBLIC,
    "pharmacy:policies": PUBLIC,
    # Probes (shop/health.py): readyz is 503 where Stripe or the broker is not running.
    "healthz": PUBLIC,
    "readyz": policy({ALLOWED, "status 503"}),
    "basket:summary": PUBLIC,
    "basket:vouchers-add": PUBLIC,  # GET redirects back to the basket
    "catalogue:range": policy(NOT_FOUND),
    "offer:detail": policy(NOT_FOUND),  # no range or offer named "none"
    "catalogue:reviews-detail": policy(NOT_FOUND),  # there are no reviews
    "catalogue:reviews-vote": policy(LOGIN, METHOD_NOT_ALLOWED),
    "basket:add": POST_ONLY,
    "basket:vouchers-remove": POST_ONLY,
    "pharmacy:buy-other-items-now": POST_ONLY,
    "basket:saved": SIGNED_IN,
    # --- Checkout (every step behind the prescription gate) -------------------------------------------------
    "checkout:index": SIGNED_IN,
    "checkout:shipping-address": SIGNED_IN,
    "checkout:shipping-method": SIGNED_IN,
    "checkout:payment-method": SIGNED_IN,
    "checkout:payment-details": SIGNED_IN,
    "checkout:preview": SIGNED_IN,
    "checkout:thank-you": SIGNED_IN,
    "payments:authenticate": SIGNED_IN,
    "checkout:user-address-update": ALICES,
    "checkout:user-address-delete": ALICES,
    # Stripe's webhook: POST only, signed (tests/payments/test_webhooks.py, tests/security/test_bad_input.py).
    "payments:webhook": POST_ONLY,
    # --- Accounts --------------------------------------------------------------------------------------
    "customer:login": PUBLIC,
    "customer:register": PUBLIC,
    "customer:logout": PUBLIC,
    # rxshop's own login and registration views in front of oscar's (shop.storefront.accounts).
    "route:accounts/login/": PUBLIC,
    "route:accounts/register/": PUBLIC,
    # The activation link of a new account (shop.storefront.accounts.activate): a wrong link opens nothing.
    "pharmacy:activate-account": PUBLIC,
    "route:accounts/notifications/": PUBLIC,  # a redirect to the inbox, which needs a login
    "customer:summary": SIGNED_IN,
    "customer:profile-view": SIGNED_IN,
    "customer:profile-update": SIGNED_IN,
    "customer:profile-delete": SIGNED_IN,
    "customer:change-password": SIGNED_IN,
    "customer:order-list": SIGNED_IN,
    "customer:address-list": SIGNED_IN,
    "customer:address-create": SIGNED_IN,
    "customer:email-list": SIGNED_IN,
    "customer:notifications-inbox": SIGNED_IN,
    "customer:notifications-archive": SIGNED_IN,
    "customer:alerts-list": SIGNED_IN,
    "customer:wishlists-list": SIGNED_IN,
    "customer:wishlists-create": SIGNED_IN,
    "customer:wishlists-create-with-product": SIGNED_IN,
    "customer:my-data": SIGNED_IN,  # "Download my data": one's own (shop/apps/customer)
    "customer:about-me": SIGNED_IN,
    "customer:notifications-update": policy(LOGIN, METHOD_NOT_ALLOWED),
    "customer:order": ALICES,
    "customer:order-line": ALICES,
    "customer:address-detail": ALICES,
    "customer:address-delete": ALICES,
    "customer:address-change-status": ALICES,
    "customer:email-detail": ALICES,
    "customer:notifications-detail": ALICES,
    "customer:alerts-cancel-by-pk": ALICES,
    "customer:wishlists-update": ALICES,
    "customer:wishlists-delete": ALICES,
    "customer:wishlists-move-product-to-another": ALICES,
    # By line (Alice's line: hers) and by product (the product is not on her list: 404).
    "customer:wishlists-remove-product": policy(LOGIN, f"{ALLOWED}|{NOT_FOUND}", NOT_FOUND),
    # Two patterns share the name: add to one's own default list (allowed), or to Alice's list by key (404).
    "customer:wishlists-add-product": policy(LOGIN, ALLOWED, f"{ALLOWED}|{NOT_FOUND}"),
    "customer:wishlists-detail": policy(NOT_FOUND, ALLOWED, NOT_FOUND),  # a private list
    "wishlists:detail": policy(FORBIDDEN, ALLOWED, FORBIDDEN),  # the shared-list page of a private list
    # Alerts by e-mailed key (anonymous alerts); Alice's alert has none.
    "customer:alerts-confirm": policy(NOT_FOUND),
    "customer:alerts-cancel-by-key": policy(NOT_FOUND),
    "customer:alert-create": PUBLIC,  # GET only redirects to the product
    # Oscar's anonymous order status pages answer only for orders without an account:
    # with Alice's order number and its hash they send everyone to the form, showing nothing.
    "customer:anon-order": PUBLIC,
    "customer:anon-order-form": PUBLIC,
    "password-reset": policy(ALLOWED, FORBIDDEN),
    "password-reset-done": policy(ALLOWED, FORBIDDEN),
    "password-reset-confirm": policy(ALLOWED, FORBIDDEN),
    "password-reset-complete": policy(ALLOWED, FORBIDDEN),
    "pharmacy:staff-verify": SIGNED_IN,  # staff enter their code; anyone else is sent on
    # --- Prescriptions (the customer's) -------------------------------------------------------------------
    "prescriptions:list": SIGNED_IN,
    "prescriptions:upload-for-product": SIGNED_IN,
    "prescriptions:detail": ALICES,
    "prescriptions:upload-for-line": ALICES,
    "prescriptions:attach-to-line": ALICES,
    "prescriptions:answer": policy(LOGIN, METHOD_NOT_ALLOWED),
    # Refills: the button and the reminder switches take POST only; "ask my prescriber" is Alice's
    # (her prescription may have fills left: then there is nothing to ask, 404); the e-mail's
    # opt-out link carries a signed token (the sweep's is not one: 404); transfer-in is one's own.
    "prescriptions:refill": policy(LOGIN, METHOD_NOT_ALLOWED),
    "prescriptions:reminders": policy(LOGIN, METHOD_NOT_ALLOWED),
    "prescriptions:reminders-account": policy(LOGIN, METHOD_NOT_ALLOWED),
    "prescriptions:ask-prescriber": policy(LOGIN, {ALLOWED, NOT_FOUND}, NOT_FOUND),
    # Automatic refills: Alice's prescription's page; turning one off takes an enrolment's id
    # (POST only; the sweep's id is a prescription's, no enrolment: 404).
    "prescriptions:auto-refill": ALICES,
    "prescriptions:auto-refill-stop": policy(LOGIN, METHOD_NOT_ALLOWED),
    "prescriptions:reminders-opt-out": policy(NOT_FOUND),
    "prescriptions:transfer-in": SIGNED_IN,
    "prescriptions:health": SIGNED_IN,
    "prescriptions:health-profile": policy(LOGIN, NOT_FOUND),  # one's own patients only; the sweep's id is none of them
    "pharmacy:cancel-order": POST_ONLY,  # a GET is refused before anything else, as buy-other-items-now
    # The file: Alice, and staff who hold prescriptions.view_prescriptionfile (every open is logged).
    "prescriptions:file": policy(LOGIN, ALLOWED, NOT_FOUND, ALLOWED),
    # --- The pharmacy workspace (/dashboard/pharmacy/) ------------------------------------------------------
    "dashboard:index": policy(LOGIN, FORBIDDEN, FORBIDDEN, ALLOWED),  # pharmacy staff are sent to the queue
    "dashboard:login": PUBLIC,
    "dashboard:logout": POST_ONLY,
    "dashboard:pharmacy-queue": WORKSPACE,
    "dashboard:pharmacy-review": WORKSPACE,
    "dashboard:pharmacy-claim": WORKSPACE_POST,
    "dashboard:pharmacy-release": WORKSPACE_POST,
    "dashboard:pharmacy-transcribe": WORKSPACE_POST,
    "dashboard:pharmacy-evaluate": WORKSPACE_POST,
    "dashboard:pharmacy-profile": WORKSPACE,
    "dashboard:pharmacy-verify": PHARMACIST_ONLY_POST,
    "dashboard:pharmacy-reject": PHARMACIST_ONLY_POST,
    "dashboard:pharmacy-request-information": PHARMACIST_ONLY_POST,
    "dashboard:pharmacy-inspector": PHARMACIST_ONLY,
    "dashboard:pharmacy-history": PHARMACIST_ONLY,
    "dashboard:pharmacy-history-csv": PHARMACIST_ONLY,
    "dashboard:pharmacy-access-log": PHARMACIST_ONLY,
    "dashboard:pharmacy-access-log-csv": PHARMACIST_ONLY,
    "dashboard:pharmacy-refills": WORKSPACE,
    "dashboard:pharmacy-transfer": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, {ALLOWED, NOT_FOUND}),
    # Dispensing (prescriptions.dispensing): pharmacists only, never a technician.
    "dashboard:dispense-queue": PHARMACIST_ONLY,
    "dashboard:dispense-order": PHARMACIST_ONLY,
    "dashboard:dispense-rma-reversed": PHARMACIST_ONLY_POST,
    "dashboard:dispense-refund": PHARMACIST_ONLY,
    # Fill accuracy (issue 23): technicians and pharmacists scan packs and print labels
    # (dispensing.fill_order); the recall screen and its export are pharmacists'.
    "dashboard:dispense-fill-queue": WORKSPACE,
    "dashboard:dispense-fill": WORKSPACE,
    "dashboard:dispense-label": policy(LOGIN, FORBIDDEN, FORBIDDEN, {ALLOWED, NOT_FOUND}),
    "dashboard:dispense-recall": PHARMACIST_ONLY,
    "dashboard:dispense-recall-csv": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, {ALLOWED, BAD_REQUEST}),
    # Shipping (prescriptions.shipping): technicians and pharmacists (prescriptions.ship_order).
    "dashboard:ship-queue": WORKSPACE,
    "dashboard:ship-order": WORKSPACE,
    # Staff authenticators (shop/apps/dashboard/staff.py): the administrator (a superuser) only. The
    # test's id is Alice's, a customer: there is no authenticator of hers to enrol (404); the rest take POST.
    "dashboard:staff-authenticators": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED),
    "dashboard:staff-enrol": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND),
    "dashboard:staff-add": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, METHOD_NOT_ALLOWED),
    "dashboard:staff-revoke": policy(
        LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, {NOT_FOUND, METHOD_NOT_ALLOWED}
    ),
    # --- Oscar's shop dashboard ----------------------------------------------------------------------------
    **{f"dashboard:catalogue-{name}": SHOP_STAFF for name in _OSCAR_SHOP_DASHBOARD},
    **{
        f"dashboard:{name}": SHOP_STAFF
        for name in (
            "stock-alert-list reports-index order-list order-stats order-detail order-detail-note order-line-detail "
            "order-shipping-address users-index user-detail user-password-reset user-alert-list user-alert-delete "
            "user-alert-update page-list page-create page-update page-delete partner-list partner-create "
            "partner-manage partner-delete partner-user-create partner-user-select partner-user-link "
            "partner-user-unlink partner-user-update offer-list offer-metadata offer-condition offer-benefit "
            "offer-restrictions offer-delete offer-detail range-list range-create range-update range-delete "
            "range-products range-reorder reviews-list reviews-update reviews-delete voucher-list voucher-create "
            "voucher-update voucher-delete voucher-stats voucher-set-list voucher-set-create voucher-set-update "
            "voucher-set-detail voucher-set-download voucher-set-delete comms-list comms-update "
            "shipping-method-list shipping-method-create shipping-method-detail shipping-method-edit "
            "shipping-method-delete shipping-method-band-edit shipping-method-band-delete"
        ).split()
    },
    # --- The Django admin: its URLs are generated per model, all behind admin_view -------------------------
    "admin:*": ADMIN_SITE,
    "route:admin/*": ADMIN_SITE,
    "admin:login": PUBLIC,
    "admin:javascript-catalog": PUBLIC,
    "admin:logout": policy(ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, METHOD_NOT_ALLOWED),
    "admin:autocomplete": policy(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, FORBIDDEN),  # needs a field to complete
    "admin:view_on_site": policy(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, NOT_FOUND),  # users have no public page
    "route:admin/(?P<url>.*)$": policy(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, NOT_FOUND),
    "route:admin/catalogue/category/move/": policy(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, BAD_REQUEST),
    **{
        f"admin:{model}_{action}": ADMIN_APPEND_ONLY
        for action in ("add", "delete")
        for model in (
            "prescriptions_prescription",
            "prescriptions_prescriptionevent",
            "prescriptions_prescriptionfile",
            "prescriptions_prescriptionfileaccess",
            "prescriptions_staffdataview",
            "prescriptions_patient",
            "compliance_complianceevaluation",
            "payments_paymentauthorisation",
            "payments_stripeevent",
            "review_auditexport",
            "review_reviewclaim",
            "review_reviewdecision",
            "review_transcription",
            "review_transcriptionchange",
        )
    },
    "admin:compliance_complianceevaluation_add": ADMIN_APPEND_ONLY,
    "admin:axes_accessattempt_add": ADMIN_APPEND_ONLY,
    "admin:axes_accessfailurelog_add": ADMIN_APPEND_ONLY,
    "admin:axes_accesslog_add": ADMIN_APPEND_ONLY,
    # A member of staff's TOTP secret: shown to nobody (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "admin:otp_totp_totpdevice_config": ADMIN_NOBODY,
    "admin:otp_totp_totpdevice_qrcode": ADMIN_NOBODY,
}

# --- POST ------------------------------------------------------------------------------------------
#
# The matrix also POSTs (an empty form, CSRF checks off) wherever it is safe: to every URL
# a role may not open with GET, where the answer must be the same refusal (or 405 for a
# view that takes GET only). Views that take POST only are declared here; SKIP leaves a
# role out (an allowed POST would change the shop for the rest of the sweep). The
# administrator is never swept with POST.
SKIP = "skip"
DENIED = {LOGIN, FORBIDDEN, NOT_FOUND}

POST_POLICY: dict[str, dict] = {
    "basket:add": policy(ALLOWED),  # an empty form: "choose a quantity", back to the product
    "basket:vouchers-remove": policy(ALLOWED),  # no voucher 1 in one's basket: a message, back to the basket
    "pharmacy:buy-other-items-now": policy(LOGIN, ALLOWED),  # one's own basket
    "catalogue:reviews-vote": policy(LOGIN, NOT_FOUND),  # no such review
    "customer:notifications-update": policy(LOGIN, ALLOWED),  # one's own notifications
    "payments:webhook": policy(BAD_REQUEST),  # unsigned
    "dashboard:logout": policy(ALLOWED),
    "admin:logout": policy(ALLOWED),
    "prescriptions:answer": policy(LOGIN, ALLOWED, NOT_FOUND),  # Alice: the form again, with its errors
    # Refill: Alice's prescription in the sweep may not be refillable (back to it with the reason), or it
    # would go in her basket: either way a redirect; anyone else finds nothing.
    "prescriptions:refill": policy(LOGIN, SKIP, NOT_FOUND),
    "prescriptions:reminders": policy(LOGIN, SKIP, NOT_FOUND),
    "prescriptions:reminders-account": policy(LOGIN, SKIP),
    "prescriptions:auto-refill": policy(LOGIN, ALLOWED, NOT_FOUND),  # an empty form: back to the page
    "prescriptions:auto-refill-stop": policy(LOGIN, NOT_FOUND),  # no enrolment has the sweep's id
    "prescriptions:transfer-in": policy(LOGIN, ALLOWED),  # an empty form: the form again, with its errors
    "dashboard:pharmacy-transfer": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:pharmacy-claim": policy(LOGIN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:pharmacy-release": policy(LOGIN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:pharmacy-transcribe": policy(LOGIN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:pharmacy-evaluate": policy(LOGIN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:pharmacy-profile": policy(LOGIN, FORBIDDEN, FORBIDDEN, SKIP),
    "prescriptions:health-profile": policy(LOGIN, SKIP, NOT_FOUND),  # Alice would save her own (skipped)
    "dashboard:pharmacy-verify": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:pharmacy-reject": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:pharmacy-request-information": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:dispense-rma-reversed": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:dispense-refund": policy(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:dispense-fill": policy(LOGIN, FORBIDDEN, FORBIDDEN, SKIP),
    "dashboard:dispense-label": policy(LOGIN, FORBIDDEN, FORBIDDEN, SKIP),
    # The customer cancels their own order: Alice would cancel it (skipped); anyone else finds nothing.
    "pharmacy:cancel-order": policy(LOGIN, SKIP, NOT_FOUND),
}


def post_expectation(key: str, role: str):
    """What a POST by ``role`` must get, or None where the matrix does not POST."""
    if role == "admin":
        return None
    if key in POST_POLICY:
        expected = POST_POLICY[key][role]
        return None if expected == SKIP else expected
    get = (policy_for(key) or {}).get(role)
    if isinstance(get, str) and get in DENIED:
        return {get, METHOD_NOT_ALLOWED}
    if get == METHOD_NOT_ALLOWED:
        return "declare"  # a POST-only view: its POST policy must be written down
    return None


# Pages under /admin/ and /dashboard/ that show no data: the login forms, the admin's
# translation catalogue, and sign-out.
OPEN_LOGIN_PAGES = {"admin:login", "dashboard:login", "admin:javascript-catalog", "admin:logout", "dashboard:logout"}


def policy_for(key: str) -> dict | None:
    if key in POLICY:
        return POLICY[key]
    globs = [pattern for pattern in POLICY if any(c in pattern for c in "*?[") and fnmatchcase(key, pattern)]
    return POLICY[max(globs, key=len)] if globs else None
