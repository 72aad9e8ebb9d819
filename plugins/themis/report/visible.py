"""Invisible and direction-changing characters, made visible for people reading a report.

Object names and SQL text come from the audited database. A bidi control (U+202E RIGHT-TO-LEFT
OVERRIDE, the isolates U+2066–U+2069 ...) makes a name display reversed, and a zero-width character
(U+200B, U+FEFF ...) makes two different names look identical. In the HTML and the CSV, which
people read, each such character is shown as an escape like ``⟨U+202E⟩``; report.json keeps the
exact text, for tools.
"""

from __future__ import annotations

import re

__all__ = ["INVISIBLE", "visible"]

#: Bidi embeddings, overrides, isolates and marks; zero-width spaces and joiners, the word joiner
#: and invisible operators; the byte-order mark; the Arabic letter and Mongolian vowel marks.
INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def visible(text: str) -> str:
    """``text`` with every invisible or direction-changing character as ``⟨U+XXXX⟩``."""
    if INVISIBLE.search(text) is None:
        return text
    return INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)
