"""The cover page of a booklet: drawn once per document as a form, plus each booklet's numbers."""

import io

from django.utils.translation import gettext as _
from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from passnum.passes.printing import layout as L
from passnum.passes.printing.barcodes import place, qr_symbol
from passnum.passes.printing.content import PrintContent
from passnum.passes.printing.exceptions import InvalidLogo

COVER_FORM = "cover"
ACCENT = Color(0 / 255, 0 / 255, 145 / 255)  # the French State's blue (bleu France)


def logo_reader(logo: bytes) -> ImageReader:
    """The logo, checked: any image format Pillow reads (PNG, JPEG…)."""
    try:
        reader = ImageReader(io.BytesIO(logo))
        width, height = reader.getSize()
    except Exception as exc:  # Pillow raises many kinds of errors on bad data
        raise InvalidLogo() from exc
    if width < 1 or height < 1:
        raise InvalidLogo()
    return reader


def define_cover_form(canvas: Canvas, content: PrintContent) -> None:
    """Everything on the cover that is the same for every booklet of the order."""
    canvas.beginForm(COVER_FORM)
    top = L.PAGE_HEIGHT - L.COVER_MARGIN
    left = L.COVER_MARGIN
    text_width = L.COVER_WIDTH
    if content.logo is not None:
        reader = logo_reader(content.logo)
        width, height = reader.getSize()
        scale = min(L.LOGO_MAX_WIDTH / width, L.LOGO_MAX_HEIGHT / height)
        drawn_width, drawn_height = width * scale, height * scale
        canvas.drawImage(
            reader,
            L.PAGE_WIDTH - L.COVER_MARGIN - drawn_width,
            top - drawn_height,
            width=drawn_width,
            height=drawn_height,
            mask="auto",
        )
        text_width = L.COVER_WIDTH - L.LOGO_MAX_WIDTH - 5 * mm

    canvas.setFillColor(ACCENT)
    canvas.setFont(L.FONT_BOLD, 30)
    canvas.drawString(left, top - 24, L.printable(_("PASS NUMÉRIQUE")))
    canvas.setFillColor(Color(0, 0, 0))
    canvas.setFont(L.FONT, 14)
    canvas.drawString(
        left,
        top - 46,
        L.printable(
            _("Carnet de %(count)s pass de %(value)s")
            % {"count": content.booklet_size, "value": content.face_value}
        ),
    )
    y = top - 46 - 26
    if content.sponsor_name:
        for line in L.wrap(
            _("Offert par %(sponsor)s") % {"sponsor": content.sponsor_name},
            font=L.FONT_BOLD,
            size=13,
            width=text_width,
            max_lines=2,
        ):
            canvas.setFont(L.FONT_BOLD, 13)
            canvas.drawString(left, y, line)
            y -= 17
    if content.sponsor_text:
        y = _paragraph(
            canvas, content.sponsor_text, y=y - 2, width=L.COVER_WIDTH, size=10.5, max_lines=7
        )
    y = min(y, top - L.LOGO_MAX_HEIGHT - 8 * mm) - 10

    y = _heading(canvas, _("Comment ça marche ?"), y)
    steps = [
        _(
            "Présentez ce pass dans un lieu de médiation numérique qualifié : espace public "
            "numérique, médiathèque, association, France Services…"
        ),
        _(
            "Une personne du lieu vous accompagne : utiliser un ordinateur ou un smartphone, "
            "envoyer des e-mails, faire vos démarches en ligne, vous protéger sur internet…"
        ),
        _(
            "Le lieu scanne vos pass. Chaque pass vaut %(value)s ; un service peut demander "
            "plusieurs pass. S'il coûte plus, vous payez le reste. Aucune monnaie n'est rendue."
        )
        % {"value": content.face_value},
        _(
            "Gardez vos pass comme de l'argent : ils ne portent pas votre nom, la personne qui "
            "les présente peut les utiliser. Ils sont valables jusqu'au %(date)s."
        )
        % {"date": content.valid_until_text},
    ]
    for number, step in enumerate(steps, start=1):
        canvas.setFillColor(ACCENT)
        canvas.setFont(L.FONT_BOLD, 12)
        canvas.drawString(left, y, f"{number}.")
        canvas.setFillColor(Color(0, 0, 0))
        y = _paragraph(canvas, step, y=y, x=left + 7 * mm, width=L.COVER_WIDTH - 7 * mm) - 6

    y = _heading(canvas, _("Où trouver un lieu ?"), y - 4)
    places_url = f"{content.site_url}/lieux/"
    qr = qr_symbol(places_url)
    qr_top = y + 10
    canvas.addLiteral(
        place(
            qr,
            x=L.PAGE_WIDTH - L.COVER_MARGIN - L.COVER_QR_SIZE,
            y=qr_top - L.COVER_QR_SIZE,
            module_width=L.COVER_QR_SIZE / qr.width,
            height=L.COVER_QR_SIZE,
        )
    )
    where = _(
        "Tous les lieux qualifiés, avec leurs services, leurs horaires et leurs coordonnées, "
        "sont sur %(url)s. Vous pouvez aussi scanner ce code avec l'appareil photo d'un "
        "téléphone, ou demander à la personne qui vous a remis ce carnet."
    ) % {"url": places_url}
    y = _paragraph(canvas, where, y=y, width=L.COVER_WIDTH - L.COVER_QR_SIZE - 8 * mm, max_lines=6)
    y = min(y, qr_top - L.COVER_QR_SIZE) - 14

    y = _heading(canvas, _("Où et pour quoi les utiliser ?"), y)
    y = _paragraph(canvas, content.rules, y=y, max_lines=6)

    # The frame of the booklet's own numbers (filled in by draw_cover_numbers).
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(1)
    canvas.rect(left, L.COVER_MARGIN, L.COVER_WIDTH, L.BOOKLET_BOX_HEIGHT, stroke=1, fill=0)
    canvas.endForm()


def draw_cover(
    canvas: Canvas, *, number: int, first_serial: int, last_serial: int, count: int
) -> None:
    canvas.doForm(COVER_FORM)
    left = L.COVER_MARGIN + 6 * mm
    base = L.COVER_MARGIN + L.BOOKLET_BOX_HEIGHT
    canvas.setFont(L.FONT_BOLD, 16)
    canvas.drawString(left, base - 11 * mm, _("Carnet n° %(number)s") % {"number": number})
    canvas.setFont(L.FONT, 11)
    canvas.drawString(
        left,
        base - 19 * mm,
        L.printable(
            _("%(count)s pass, numéros de série %(first)s à %(last)s")
            % {"count": count, "first": first_serial, "last": last_serial}
        ),
    )


def _heading(canvas: Canvas, text: str, y: float) -> float:
    canvas.setFillColor(ACCENT)
    canvas.setFont(L.FONT_BOLD, 15)
    canvas.drawString(L.COVER_MARGIN, y, L.printable(text))
    canvas.setFillColor(Color(0, 0, 0))
    return y - 20


def _paragraph(
    canvas: Canvas,
    text: str,
    *,
    y: float,
    x: float = L.COVER_MARGIN,
    width: float = L.COVER_WIDTH,
    size: float = 11,
    max_lines: int = 4,
) -> float:
    """Draw `text` wrapped from baseline `y` down; returns the baseline of the next line."""
    canvas.setFont(L.FONT, size)
    leading = size * 1.35
    for line in L.wrap(text, font=L.FONT, size=size, width=width, max_lines=max_lines):
        canvas.drawString(x, y, line)
        y -= leading
    return y
