"""The English catalogue: complete, in step with the code, and used at run time.

French is the source language: every user-facing string is French inside gettext / {% translate %},
and passnum/locale/en/LC_MESSAGES/django.po must translate all of them. To update it:

    cd passnum && ../.venv/bin/passnum makemessages -l en --no-location --ignore=migrations
    (fill the new msgstr, remove "#, fuzzy")
    cd .. && .venv/bin/passnum compilemessages -v0 --ignore=.venv
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation

import passnum
from passnum.redemptions.exceptions import RedemptionRefused, UndoTooLate

PACKAGE_DIR = Path(passnum.__file__).resolve().parent
PO_PATH = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
# The options the maintainers use: keep in step with the module docstring.
MAKEMESSAGES_OPTIONS = {"locale": ["en"], "no_location": True, "ignore_patterns": ["migrations"]}

PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _active_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def _keys(po: polib.POFile) -> set[tuple[str | None, str, str]]:
    """What identifies a message: context, singular and plural source text."""
    return {(e.msgctxt, e.msgid, e.msgid_plural or "") for e in _active_entries(po)}


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    assert _active_entries(catalogue), "the English catalogue is empty"
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [], f"untranslated: {untranslated}"
    assert fuzzy == [], f"fuzzy (check the translation, then remove the flag): {fuzzy}"


def test_translations_keep_every_placeholder(catalogue):
    wrong = []
    for entry in _active_entries(catalogue):
        if entry.msgid_plural:
            pairs = [
                (entry.msgid if n == 0 else entry.msgid_plural, text)
                for n, text in sorted(entry.msgstr_plural.items())
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            # Missing: the value is lost; extra: formatting raises KeyError at run time.
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text)):
                wrong.append((source, text))
    assert wrong == []


def test_catalogue_lists_exactly_the_strings_of_the_code(
    catalogue, tmp_path, settings, monkeypatch
):
    """Extract the messages again, with the maintainers' options, from a copy of the code.

    makemessages writes into the `locale` folder next to the code it scans, so it runs on a copy of
    the package without its `locale` folder, with LOCALE_PATHS pointing into the copy: the committed
    catalogue is never touched. A string added to the code and not to the catalogue, or a catalogue
    entry whose string left the code, makes the two sets differ.
    """
    source = tmp_path / "passnum"
    shutil.copytree(
        PACKAGE_DIR,
        source,
        ignore=shutil.ignore_patterns("locale", "migrations", "__pycache__", "*.pyc", "*.mo"),
    )
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)

    call_command("makemessages", verbosity=0, **MAKEMESSAGES_OPTIONS)

    extracted = _keys(polib.pofile(str(source / "locale" / "en" / "LC_MESSAGES" / "django.po")))
    committed = _keys(catalogue)
    assert extracted, "makemessages found no string: the extraction itself is broken"
    assert sorted(extracted - committed, key=str) == [], "in the code, missing from django.po"
    assert sorted(committed - extracted, key=str) == [], "in django.po, no longer in the code"


def test_domain_messages_are_english_when_english_is_active():
    with translation.override("en"):
        refused = str(RedemptionRefused())
        too_late = str(UndoTooLate(minutes=15))
    assert refused == "Payment refused: no pass was used."
    assert too_late == "A redemption can only be cancelled within 15 minutes."
    # French stays the source language.
    with translation.override("fr"):
        assert str(RedemptionRefused()) == "Paiement refusé : aucun pass n'a été utilisé."


def test_plural_messages_are_english_when_english_is_active(catalogue):
    plural = next(e for e in _active_entries(catalogue) if e.msgid_plural)

    def render(text: str, n: int) -> str:
        return text % dict.fromkeys(PLACEHOLDER.findall(text), n)

    with translation.override("en"):
        one = render(translation.ngettext(plural.msgid, plural.msgid_plural, 1), 1)
        many = render(translation.ngettext(plural.msgid, plural.msgid_plural, 12), 12)
    assert one == render(plural.msgstr_plural[0], 1)
    assert many == render(plural.msgstr_plural[1], 12)
    assert one != many
