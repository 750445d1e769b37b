"""Finds text a customer would read that a template writes without ``{% translate %}`` or
``{% blocktranslate %}``: the page's text, e-mail text, and the attributes a screen reader or
a browser shows (alt, title, placeholder, aria-label, a button's value)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.template.base import Lexer, TokenType

READ_ALOUD_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}
WORD = re.compile(r"[A-Za-z]{2,}")
# Names that are the same in Spanish: programme and brand names, the shop's own name.
NAMES = {"iPLEDGE REMS", "iPLEDGE", "REMS", "rxshop", "rxshop Pharmacy", "NPI", "DEA", "FDA", "Stripe"}


def _outside_translation(source: str) -> str:
    """The template with every translated string, tag, variable and comment taken out."""
    kept: list[str] = []
    depth = 0
    in_comment = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in {"blocktrans", "blocktranslate"}:
                depth += 1
            elif name in {"endblocktrans", "endblocktranslate"}:
                depth -= 1
            elif name == "comment":
                in_comment = True
            elif name == "endcomment":
                in_comment = False
        elif token.token_type == TokenType.VAR:
            kept.append("" if depth or in_comment else "\x00")
        elif token.token_type == TokenType.TEXT and not depth and not in_comment:
            kept.append(token.contents)
    return "".join(kept)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            shown = name in READ_ALOUD_ATTRIBUTES or (
                name == "value" and tag == "input" and attributes.get("type") in {"submit", "button"}
            )
            if shown and value:
                self._add(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            for line in data.splitlines():
                self._add(line)

    def _add(self, text: str) -> None:
        text = " ".join(text.replace("\x00", " ").split())
        if not WORD.search(text):
            return
        rest = text
        for name in sorted(NAMES, key=len, reverse=True):
            rest = rest.replace(name, " ")
        if WORD.search(rest):
            self.found.append(text)


def untranslated_strings(source: str, *, html: bool = True) -> list[str]:
    text = _outside_translation(source)
    if not html:
        collector = _Collector()
        for line in text.splitlines():
            collector._add(line)
        return collector.found
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector.found
