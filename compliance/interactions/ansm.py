"""The bundled interaction source: the French ANSM thesaurus (demonstration data).

Reads ``compliance/data/ansm/`` (see PROVENANCE.md there): the thesaurus of
October 2020 (interaction rows between substances and classes, four levels),
its index of substances and the classes each belongs to, a mapping of
substance names to RxNorm ingredient codes (RxCUI), and ``english.json``
(English level names, class names, ingredient names and summaries written
for rxshop). Implements ``compliance.core.InteractionSource``; no Django, no
network: files are read once, at the first lookup.

A pair is found when one ingredient (or a class it belongs to) is the row's
"main" entry and the other (or one of its classes) the "plus" entry. A row
with several levels (the thesaurus grades some pairs by circumstance) is
reported at its most severe level and marked ``conditional``.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from compliance.core import Ingredient, Interaction, InteractionLevel

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "ansm"
THESAURUS_FILE = "thesaurus-2020-10.json"
SUBSTANCES_FILE = "substances-2020-10.json"
RXNORM_FILE = "rxnorm-mappings.tsv"
ENGLISH_FILE = "english.json"
NAME = "ANSM Thésaurus des interactions médicamenteuses, October 2020 (demonstration data)"


def normalise(text: str) -> str:
    """A thesaurus name as a key: lower case, accents and ligatures removed,
    spaces collapsed ("RÉTINOÏDES" and "rétinoides" are "retinoides")."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE").replace("’", "'")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().split())


def pair_key(a: str, b: str) -> str:
    return " | ".join(sorted((a, b)))


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the thesaurus: ``main`` with ``plus`` (normalised names)."""

    main: str
    plus: str
    levels: tuple[tuple[InteractionLevel, str], ...]
    mechanism: str


class AnsmThesaurus:
    """``compliance.core.InteractionSource`` over the bundled ANSM files."""

    name = NAME

    def __init__(self, directory: Path = DATA_DIR) -> None:
        self.directory = Path(directory)

    def _read(self, name: str):
        with open(self.directory / name, encoding="utf-8") as handle:
            if name.endswith(".json"):
                return json.load(handle)
            return handle.read()

    @cached_property
    def english(self) -> dict:
        return self._read(ENGLISH_FILE)

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        levels = {key: InteractionLevel(value) for key, value in self.english["levels"].items()}
        rows = []
        for raw in self._read(THESAURUS_FILE):
            graded = tuple(
                (levels[normalise(level["level"])], " ".join(level["info"].split())) for level in raw["severity_levels"]
            )
            rows.append(
                Row(
                    main=normalise(raw["main_drug"]),
                    plus=normalise(raw["plus_drug"]),
                    levels=graded,
                    mechanism=" ".join(raw["interaction_mechanism"].split()),
                )
            )
        return tuple(rows)

    @cached_property
    def _by_pair(self) -> dict[tuple[str, str], Row]:
        return {(row.main, row.plus): row for row in self.rows}

    @cached_property
    def substances(self) -> dict[str, frozenset[str]]:
        """Substance → the classes the thesaurus puts it in (normalised)."""
        return {
            normalise(raw["substance"]): frozenset(normalise(c) for c in raw["drug_classes"])
            for raw in self._read(SUBSTANCES_FILE)
        }

    @cached_property
    def codes(self) -> dict[str, tuple[str, ...]]:
        """RxCUI → the thesaurus names mapped to it ("NA" rows skipped)."""
        found: dict[str, list[str]] = {}
        lines = self._read(RXNORM_FILE).splitlines()
        for line in lines[1:]:
            if not line.strip():
                continue
            name, code = line.split("\t")
            code = code.strip()
            if code and code != "NA":
                found.setdefault(code, [])
                if normalise(name) not in found[code]:
                    found[code].append(normalise(name))
        return {code: tuple(names) for code, names in found.items()}

    def _entries(self, code: str) -> frozenset[str]:
        """The substance names of a code and every class they belong to."""
        entries = set()
        for name in self.codes.get(code, ()):
            entries.add(name)
            entries |= self.substances.get(name, frozenset())
        return frozenset(entries)

    # --- InteractionSource -------------------------------------------------------------

    def ingredient(self, code: str) -> Ingredient | None:
        names = self.codes.get(code)
        if not names:
            return None
        classes = self.english["classes"]
        return Ingredient(
            code=code,
            name=self.english["ingredients"].get(code, names[0]),
            classes=frozenset(classes[c] for c in self._entries(code) if c in classes),
        )

    def interactions(self, code: str, other_code: str) -> tuple[Interaction, ...]:
        mine, theirs = self._entries(code), self._entries(other_code)
        found = [
            row
            for (main, plus), row in self._by_pair.items()
            if (main in mine and plus in theirs) or (main in theirs and plus in mine)
        ]
        if not found:
            return ()
        row = min(found, key=lambda r: (min(level.rank for level, _ in r.levels), r.main, r.plus))
        return (self._interaction(row, code, other_code),)

    def allergy_classes(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.english["classes"].values()), key=str.lower))

    def ingredient_vocabulary(self) -> tuple[tuple[str, str], ...]:
        """(RxCUI, English name) of the ingredients a profile may pick from."""
        names = self.english["ingredients"]
        return tuple(sorted(((code, name) for code, name in names.items() if code in self.codes), key=lambda i: i[1]))

    def _interaction(self, row: Row, code: str, other_code: str) -> Interaction:
        level = min((level for level, _ in row.levels), key=lambda lv: lv.rank)
        english = self.english["summaries"].get(pair_key(row.main, row.plus))
        if english is not None:
            summary, management, language = english["summary"], english["management"], "en"
        else:
            summary = row.mechanism
            management = " ".join(f"{lv.label}: {info}" if len(row.levels) > 1 else info for lv, info in row.levels)
            management = management.strip()
            language = "fr"
        return Interaction(
            drug_code=code,
            other_code=other_code,
            other_reference="",
            level=level,
            drug_name=self.english["ingredients"].get(code, ""),
            other_name=self.english["ingredients"].get(other_code, ""),
            summary=summary,
            management=management,
            language=language,
            source=NAME,
            conditional=len(row.levels) > 1,
        )


_DEFAULT: AnsmThesaurus | None = None


def demo_source() -> AnsmThesaurus:
    """The one shared instance (files read once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = AnsmThesaurus()
    return _DEFAULT
