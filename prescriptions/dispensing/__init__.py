"""Dispensing: the pharmacist releases verified medicine, the card is captured.

The last gate of the mission: at dispense the rules run again for *now*
(``Stage.DISPENSE``: the iPLEDGE RMA and its "do not dispense after" date, the
Medication Guide, the ship-to licence, fills left…). Only with no BLOCK are the
lines dispensed, the prescription's fills used and the payment captured, for
what goes out and nothing more.
"""
