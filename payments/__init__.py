"""payments: card money through Stripe — authorise at checkout, capture, void, refund, expiry,
webhooks. A leaf below the pharmacy domain: it never sets an order's status and never imports
prescriptions/ or shop/; it announces what Stripe did with signals."""
