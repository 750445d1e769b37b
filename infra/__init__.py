"""Shared infrastructure, a leaf below the pharmacy domain: the transactional outbox and
send-once notifications, rate limits, the staff second factor, log redaction. It imports
nothing of shop/, prescriptions/, payments/ or compliance/."""
