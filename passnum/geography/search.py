"""Normalisation of commune names for search: case, accents and punctuation do not matter.

"Saint-Étienne", "SAINT ETIENNE", "st etienne" and "saint-etienne" all become "saint etienne".
The same function fills Commune.search_name and normalises what a person types.
"""

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
# Abbreviations people type and the COG spells out.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_ABBREVIATIONS.get(word, word) for word in _WORD.findall(plain))
