"""What a user can reach is in English when English is asked for — beyond the catalogue's
completeness (tests/test_translations.py), which only compares the catalogue with the strings
makemessages finds.

These tests read the code as it runs: every domain error, every choice label, every model and
field name, the nomenclature's data, and key pages rendered in English. Each failure lists what is
missing, by its French text: add those to passnum/locale/en/LC_MESSAGES/django.po (see
tests/test_translations.py for the commands), or wrap the string for translation.
"""

import ast
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

import passnum
from passnum.catalogue.models import Competence, Service, ServiceFamily
from passnum.core.exceptions import DomainError
from passnum.www.qualification.forms import PlaceForm
from tests.factories import PlaceFactory, offer
from tests.places.test_files import complete_file

PACKAGE_DIR = Path(passnum.__file__).resolve().parent
PO_PATH = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)([sdif])")
GETTEXT_NAMES = {
    "_": (0,),
    "gettext": (0,),
    "gettext_lazy": (0,),
    "gettext_noop": (0,),
    "ngettext": (0, 1),
    "ngettext_lazy": (0, 1),
    "pgettext": (1,),
    "pgettext_lazy": (1,),
    "npgettext": (1, 2),
    "npgettext_lazy": (1, 2),
}
LAZY_NAMES = {"_", "gettext_lazy", "pgettext_lazy", "ngettext_lazy", "npgettext_lazy"}


# --- The English catalogue -------------------------------------------------------------------


@cache
def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


@cache
def _translated() -> dict[str, str]:
    """French source text → English, for every entry translated and not fuzzy."""
    return {
        entry.msgid: entry.msgstr or entry.msgstr_plural.get(0, "")
        for entry in _catalogue().translated_entries()
        if not entry.obsolete
    }


@pytest.fixture(scope="module")
def compiled() -> None:
    """The tests that render messages read the compiled catalogue: it must hold the .po's
    translations, or their failures would be about a stale file."""
    if not MO_PATH.exists():
        pytest.fail(f"{MO_PATH} is missing: run `passnum compilemessages`")
    mo = {entry.msgid: entry.msgstr for entry in polib.mofile(str(MO_PATH)) if entry.msgstr}
    stale = sorted(
        msgid
        for msgid, text in _translated().items()
        if text and not _catalogue().find(msgid).msgid_plural and mo.get(msgid) != text
    )
    if stale:
        pytest.fail(f"django.mo is older than django.po ({stale[:3]}…): run compilemessages")


def _listing(title: str, items: list[str]) -> str:
    lines = sorted(set(items))
    return f"{title} ({len(lines)}):\n" + "\n".join(lines)


def _source(text: Any) -> str:
    """The French source text of a (lazy) message: rendered with no language active."""
    with translation.override(None):
        return str(text)


# --- Everything the package defines -----------------------------------------------------------


@cache
def _import_everything() -> None:
    for module in pkgutil.walk_packages(passnum.__path__, "passnum."):
        if ".migrations" in module.name or module.name.endswith("__main__"):
            continue
        importlib.import_module(module.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _ours(classes: Iterator[type]) -> list[type]:
    found = {cls for cls in classes if cls.__module__.startswith("passnum.")}
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


def _dummy(kind: str) -> Any:
    return {"d": 3, "i": 3, "f": 3.0}.get(kind, "X")


def _instantiate(error_class: type[DomainError]) -> DomainError:
    """The error with its default message, dummy values for its required keyword arguments and
    for the placeholders its constructor does not fill."""
    required = {
        name: 3
        for name, parameter in inspect.signature(error_class.__init__).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty
    }
    error = error_class(**required)
    placeholders = PLACEHOLDER.findall(_source(error.message))
    error.params = {name: _dummy(kind) for name, kind in placeholders} | error.params
    return error


def test_every_domain_error_has_an_english_message(compiled):
    _import_everything()
    errors = _ours(_subclasses(DomainError))
    assert len(errors) > 30, "the domain errors were not found"
    untranslated = []
    for error_class in errors:
        error = _instantiate(error_class)
        with translation.override("fr"):
            french = str(error)
        with translation.override("en"):
            english = str(error)
        if english == french:
            untranslated.append(f"{error_class.__module__}.{error_class.__qualname__}: {french}")
    assert not untranslated, _listing(
        "domain errors shown in French to English readers", untranslated
    )


def test_every_choice_label_is_translatable_and_in_the_catalogue():
    """Every TextChoices / IntegerChoices label (statuses, kinds, the standard's lists…) is a
    lazy translation whose French text the English catalogue translates."""
    _import_everything()
    choices = _ours(_subclasses(models.Choices))
    assert len(choices) > 20, "the choices were not found"
    not_lazy, missing = [], []
    for cls in choices:
        for value, label in cls.choices:
            where = f"{cls.__module__}.{cls.__qualname__}.{value}"
            if not isinstance(label, Promise):
                not_lazy.append(f"{where}: {label!r}")
            elif _source(label) not in _translated():
                missing.append(_source(label))
    assert not (not_lazy or missing), (
        _listing("labels not wrapped in gettext_lazy", not_lazy)
        + "\n"
        + _listing("choice labels missing from django.po", missing)
    )


def _django_fields(model: type[models.Model]) -> set[str]:
    """The fields `model` inherits from Django's abstract models."""
    return {
        field.name
        for base in model.__mro__[1:]
        if issubclass(base, models.Model)
        and base is not models.Model
        and not base.__module__.startswith("passnum.")
        for field in base._meta.get_fields()
    }


def test_every_model_and_field_name_is_translatable_and_in_the_catalogue():
    """The back-office and the forms show model and field names: each is a lazy translation in
    the catalogue (a field without verbose_name shows its English identifier)."""
    not_lazy, missing = [], []
    for model in apps.get_models():
        if not model.__module__.startswith("passnum."):
            continue
        meta = model._meta
        texts: list[tuple[str, Any]] = [
            (f"{meta.label}.verbose_name", meta.verbose_name),
            (f"{meta.label}.verbose_name_plural", meta.verbose_name_plural),
        ]
        for field in meta.get_fields(include_hidden=False):
            if field.auto_created or not (field.concrete or field.many_to_many):
                continue  # ids, reverse relations
            if field.name in _django_fields(model):
                continue  # Django's own (AbstractUser…), in Django's catalogues
            texts.append((f"{meta.label}.{field.name}", field.verbose_name))
            if field.help_text:
                texts.append((f"{meta.label}.{field.name}.help_text", field.help_text))
        for where, text in texts:
            if not isinstance(text, Promise):
                not_lazy.append(f"{where}: {text!r}")
            elif _source(text) not in _translated():
                missing.append(_source(text))
    assert not (not_lazy or missing), (
        _listing("model or field names not wrapped in gettext_lazy", not_lazy)
        + "\n"
        + _listing("model or field names missing from django.po", missing)
    )


@pytest.mark.django_db
def test_every_nomenclature_entry_has_its_english_texts():
    """The nomenclature is data, not catalogue messages: its English comes from
    catalogue/data/nomenclature.json through the data migrations."""
    missing = []
    for competence in Competence.objects.order_by("code"):
        if not competence.name_en or not competence.domain_en:
            missing.append(f"competence {competence.code}")
    for family in ServiceFamily.objects.order_by("code"):
        if not family.name_en:
            missing.append(f"family {family.code}")
    services = Service.objects.order_by("code")
    assert services.count() >= 100
    for service in services:
        if not service.name_en or (service.description and not service.description_en):
            missing.append(f"service {service.code}")
        elif service.description and service.description_en == service.description:
            missing.append(f"service {service.code} (description not translated)")
    assert not missing, _listing("nomenclature entries without their English texts", missing)


# --- Key pages, rendered in English -----------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a person reads or hears: text nodes outside scripts and styles, and the
    attributes shown or read aloud."""

    ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "label"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        self.parts.extend(value for name, value in attrs if name in self.ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)

    def text(self) -> str:
        return _spaces(" | ".join(self.parts))


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _python_messages() -> Iterator[str]:
    for path in PACKAGE_DIR.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            for index in GETTEXT_NAMES.get(name, ()):
                if index < len(node.args) and isinstance(node.args[index], ast.Constant):
                    value = node.args[index].value
                    if isinstance(value, str):
                        yield value


TRANSLATE_TAG = re.compile(r"""{%\s*trans(?:late)?\s+(?:"([^"]*)"|'([^']*)')""")
BLOCK_TAG = re.compile(
    r"{%\s*blocktrans(?:late)?\b[^%]*%}(.*?){%\s*(?:plural|endblocktrans(?:late)?)\s*%}"
    r"|{%\s*plural\s*%}(.*?){%\s*endblocktrans(?:late)?\s*%}",
    re.DOTALL,
)


def _template_messages() -> Iterator[str]:
    for path in PACKAGE_DIR.rglob("templates/**/*"):
        if path.suffix not in (".html", ".txt") or "static" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        for match in TRANSLATE_TAG.finditer(source):
            yield match[1] if match[1] is not None else match[2]
        for match in BLOCK_TAG.finditer(source):
            yield match[1] if match[1] is not None else match[2]


@cache
def _french_fragments() -> dict[str, str]:
    """Fragment → its French source message: the parts of every message of the code (templates
    and Python) between placeholders and tags, long enough (three words or more) not to be an
    English phrase by chance, and found in no English translation of the catalogue."""
    english = " ".join(_spaces(text) for text in _translated().values())
    fragments = {}
    for message in {*_python_messages(), *_template_messages()}:
        if _translated().get(message) == message:  # the same in both languages
            continue
        for part in re.split(r"%\(\w+\)[sdif]|%[sd]|{{.*?}}|{%.*?%}|<[^>]*>", message):
            fragment = _spaces(part).strip(" :;,.«»()—–-")
            if fragment.count(" ") >= 2 and len(fragment) >= 12 and fragment not in english:
                fragments[fragment] = message
    return fragments


def _client(acting: Any = None) -> Client:
    """A client that asks for English: the language cookie (the selector of every page)."""
    client = Client(headers={"Accept-Language": "en"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if acting is not None:
        client.force_login(acting.user)
    return client


@pytest.mark.django_db
def test_key_pages_in_english_show_no_french_message(
    compiled, provider, sponsor, operator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # the file's supporting documents
    _file, draft_place = complete_file(provider)
    qualified = PlaceFactory(opening_hours="Mo-Fr 09:00-12:00,14:00-18:00; Sa off")
    offer(qualified)
    operator.user.is_superuser = operator.user.is_staff = True
    operator.user.save()
    pages = {
        "home": (None, "/"),
        "login": (None, reverse("login")),
        "password reset": (None, reverse("password_reset")),
        "services": (sponsor, reverse("services")),
        "search": (None, reverse("public_places")),
        "place": (None, reverse("public_place", args=[qualified.standard_id])),
        "become qualified": (None, reverse("qualification:start")),
        "grid": (None, reverse("qualification:grid")),
        "sign up": (None, reverse("qualification:signup")),
        "file": (provider, reverse("qualification:file")),
        "place form": (provider, reverse("qualification:place_edit", args=[draft_place.pk])),
        "place offers": (provider, reverse("qualification:place_offers", args=[draft_place.pk])),
        "members": (provider, reverse("members")),
        "tokens": (provider, reverse("tokens")),
        "back-office": (operator, "/backoffice/"),
        "back-office services": (operator, "/backoffice/catalogue/service/"),
    }
    fragments = _french_fragments()
    assert len(fragments) > 200, "the messages of the code were not found"
    french = []
    for name, (acting, path) in pages.items():
        response = _client(acting).get(path)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert 'lang="en"' in html, f"{name}: not rendered in English"
        text = _VisibleText(html).text()
        found = [fragment for fragment in fragments if fragment in text]
        french += [
            f"{name}: {fragments[fragment]}"
            for fragment in found
            if not any(fragment in longer for longer in found if longer != fragment)
        ]
    assert not french, _listing("French messages on English pages", french)


def test_opening_hours_help_follows_the_language():
    """It is formatted when shown, not when the module is imported."""
    with translation.override("en"):
        english = str(PlaceForm().fields["opening_hours"].help_text)
    with translation.override("fr"):
        french = str(PlaceForm().fields["opening_hours"].help_text)
    assert english.startswith("In the OpenStreetMap syntax, for example: Mo-Fr")
    assert french.startswith("Dans la syntaxe d'OpenStreetMap, par exemple : Mo-Fr")


# --- Messages fixed at import time ------------------------------------------------------------


def _is_lazy_message(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) in LAZY_NAMES
    )


def _fixes_message(node: ast.AST) -> bool:
    """`node` turns a lazy message into text: formatting, concatenation, f-string, str()."""
    if isinstance(node, ast.BinOp):
        return _is_lazy_message(node.left) or _is_lazy_message(node.right)
    if isinstance(node, ast.FormattedValue):
        return _is_lazy_message(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_lazy_message(node.func.value)
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "str" and node.args:
        return _is_lazy_message(node.args[0])
    return False


def _fixed_at_import(tree: ast.AST) -> Iterator[int]:
    """Lines where a lazy message is turned into text outside any function, i.e. once, in the
    language active at import: formatted (`_("…") % …`, `.format`), concatenated, put in an
    f-string or passed to str()."""

    def visit(node: ast.AST) -> Iterator[int]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if _fixes_message(child):
                yield child.lineno
            yield from visit(child)

    return visit(tree)


def test_no_lazy_message_is_turned_into_text_at_import():
    fixed = [
        f"{path.relative_to(PACKAGE_DIR.parent)}:{line}"
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if "migrations" not in path.parts
        for line in _fixed_at_import(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not fixed, _listing("messages fixed in the language active at import", fixed)


def test_the_import_time_check_finds_what_it_looks_for():
    found = list(
        _fixed_at_import(
            ast.parse(
                "HELP = _('Exemple : %(x)s') % {'x': 1}\n"
                "class Form:\n    label = _('a') + 'b'\n"
                "def ok():\n    return _('Exemple : %(x)s') % {'x': 1}\n"
            )
        )
    )
    assert found == [1, 3]
