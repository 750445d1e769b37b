"""Prescriptions: uploads, prescription records, pharmacist review, audit."""
