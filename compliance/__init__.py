"""compliance: the rule engine — a pure core (compliance.core: facts in, findings out; standard
library only) and a thin Django layer that stores every evaluation, append-only, with its
fingerprint. It imports nothing of shop/, prescriptions/ or payments/."""
