"""Card payments through Stripe: authorise at checkout, capture at dispense or shipment."""
