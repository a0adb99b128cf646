"""The eligibility grid: public and versioned (SPEC §4, unlike #APTIC's secret scoring).

A file is scored with the grid version it was answered with; a new version is added, never
edited, so every past score can be explained.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Option:
    code: str
    text: Promise
    points: int


@dataclass(frozen=True)
class Question:
    code: str
    text: Promise
    options: tuple[Option, ...]
    help: Promise | str = ""

    @property
    def max_points(self) -> int:
        return max(option.points for option in self.options)


@dataclass(frozen=True)
class Grid:
    version: str
    threshold: int
    questions: tuple[Question, ...]

    @property
    def max_score(self) -> int:
        return sum(question.max_points for question in self.questions)

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)


@dataclass(frozen=True)
class Score:
    points: int
    max_points: int
    threshold: int
    unanswered: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.unanswered and self.points >= self.threshold


GRID_2026_1 = Grid(
    version="2026.1",
    threshold=60,
    questions=(
        Question(
            "experience",
            _("Depuis combien de temps accompagnez-vous des personnes au numérique ?"),
            (
                Option("lt1", _("Moins d'un an"), 5),
                Option("1to3", _("De un à trois ans"), 10),
                Option("gt3", _("Plus de trois ans"), 15),
            ),
        ),
        Question(
            "training",
            _(
                "Les personnes qui accompagnent le public sont-elles formées à la médiation numérique ?"
            ),
            (
                Option("none", _("Pas de formation particulière"), 0),
                Option("internal", _("Formation interne ou courte"), 10),
                Option(
                    "certified",
                    _("Certification ou diplôme (CCP REMN, Conseiller numérique, Pix+…)"),
                    20,
                ),
            ),
        ),
        Question(
            "volunteers",
            _("Comment les bénévoles et volontaires sont-ils encadrés ?"),
            (
                Option("none", _("Nous n'avons ni bénévoles ni volontaires"), 15),
                Option("supervised", _("Ils sont encadrés par une personne formée"), 15),
                Option("alone", _("Ils accompagnent seuls, sans encadrement"), 0),
            ),
        ),
        Question(
            "opening",
            _("Combien d'heures par semaine le lieu accueille-t-il le public ?"),
            (
                Option("lt5", _("Moins de 5 heures"), 0),
                Option("5to10", _("De 5 à 10 heures"), 10),
                Option("gt10", _("Plus de 10 heures"), 15),
            ),
        ),
        Question(
            "accessibility",
            _("Le lieu est-il accessible aux personnes en fauteuil roulant ?"),
            (
                Option("yes", _("Oui"), 10),
                Option("partly", _("En partie, ou sur rendez-vous dans un lieu accessible"), 5),
                Option("no", _("Non"), 0),
            ),
        ),
        Question(
            "free",
            _(
                "Les services payés par le pass peuvent-ils être rendus sans rien demander de plus à la personne ?"
            ),
            (
                Option("yes", _("Oui, toujours"), 15),
                Option("sometimes", _("Pour une partie des services"), 5),
                Option("no", _("Non"), 0),
            ),
        ),
        Question(
            "assessment",
            _("Faites-vous le point sur les compétences des personnes (diagnostic, Pix…) ?"),
            (
                Option("yes", _("Oui, au début et à la fin"), 10),
                Option("start", _("Oui, au début seulement"), 5),
                Option("no", _("Non"), 0),
            ),
        ),
    ),
)

GRIDS = {GRID_2026_1.version: GRID_2026_1}
CURRENT_GRID = GRID_2026_1


def score(answers: dict[str, str], grid: Grid = CURRENT_GRID) -> Score:
    """Points for `answers` ({question code: option code}); unknown codes count as unanswered."""
    points = 0
    unanswered = []
    for question in grid.questions:
        option = next((o for o in question.options if o.code == answers.get(question.code)), None)
        if option is None:
            unanswered.append(question.code)
        else:
            points += option.points
    return Score(
        points=points,
        max_points=grid.max_score,
        threshold=grid.threshold,
        unanswered=tuple(unanswered),
    )


# The terms of use and the charter, versioned the same way: the version accepted is kept.
CURRENT_TERMS_VERSION = "2026.1"
