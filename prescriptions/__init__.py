"""prescriptions: the pharmacy domain — patients, prescriptions and their uploads, drug facts,
the facts the rules run on, the checkout gate, the order-status door, review/ and dispensing/.
It calls compliance/ (the rules) and payments/ (the money); it never imports shop/."""
