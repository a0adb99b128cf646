"""Printed booklets (SPEC §3.3): PDF covers and passes with Code 128 and QR codes.

`render_booklets(order=…, output=…)` (render.py) prints an order or its proof;
`rules_in_words(order)` (rules.py) says its usage rules in one sentence. They are loaded on first
use: the worker processes of render.write_booklets import pages.py without Django.
"""

from typing import Any

__all__ = ["render_booklets", "rules_in_words"]


def __getattr__(name: str) -> Any:
    if name == "render_booklets":
        from passnum.passes.printing.render import render_booklets

        return render_booklets
    if name == "rules_in_words":
        from passnum.passes.printing.rules import rules_in_words

        return rules_in_words
    raise AttributeError(name)
