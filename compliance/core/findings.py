"""What a rule says: a Finding, its Severity, and helpers over a tuple of findings."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.StrEnum):
    """BLOCK stops checkout or dispense; WARN asks the pharmacist to review and
    record an override reason (RULES.md, header)."""

    BLOCK = "block"
    WARN = "warn"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule result.

    ``pharmacist_message`` says what is wrong and what to do about it;
    ``customer_message`` is safe to show the customer (no internal detail);
    ``source`` names the regulation or programme document the rule comes from,
    e.g. ``"21 CFR 1306.12(b)"`` or a REMS programme's Pharmacy Guide; never one
    of our own files.
    """

    rule_id: str
    severity: Severity
    pharmacist_message: str
    customer_message: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "pharmacist_message": self.pharmacist_message,
            "customer_message": self.customer_message,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(
            rule_id=data["rule_id"],
            severity=Severity(data["severity"]),
            pharmacist_message=data["pharmacist_message"],
            customer_message=data["customer_message"],
            source=data["source"],
        )


def passes(findings: Iterable[Finding]) -> bool:
    """True when no finding is a BLOCK (WARNs need a pharmacist, not a stop)."""
    return not any(f.severity is Severity.BLOCK for f in findings)


def blocks(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity is Severity.BLOCK)


def warnings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity is Severity.WARN)
