"""compliance: the rule engine (pure core in compliance.core, thin Django layer)."""
