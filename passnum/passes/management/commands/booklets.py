import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from passnum.core.exceptions import DomainError
from passnum.orders.models import Order
from passnum.passes.printing import render_booklets


class Command(BaseCommand):
    help = (
        "Printed booklets: `print ORDER_REFERENCE --output FILE.pdf` writes the booklets of a "
        "whole issued order as one PDF (`--proof`: the print proof, sample codes, marked)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["print"])
        parser.add_argument("reference", help="the order's reference")
        parser.add_argument("--output", required=True, help="the PDF file to write")
        parser.add_argument(
            "--proof", action="store_true", help="the print proof (BAT) instead of the order"
        )
        parser.add_argument(
            "--proof-booklets", type=int, default=1, help="booklets in the proof (default 1)"
        )
        parser.add_argument("--sponsor-text", default="", help="text printed on the covers")
        parser.add_argument("--logo", help="image file (PNG, JPEG) printed on the covers")
        parser.add_argument("--site-url", help="public address of the instance (SITE_URL)")

    def handle(
        self,
        *args,
        reference: str,
        output: str,
        proof: bool,
        proof_booklets: int,
        sponsor_text: str,
        logo: str | None,
        site_url: str | None,
        **options,
    ) -> None:
        order = Order.objects.select_related("sponsor").filter(reference=reference.strip()).first()
        if order is None:
            raise CommandError(
                _("Aucune commande n'a la référence %(reference)s.") % {"reference": reference}
            )
        logo_bytes = None
        if logo:
            try:
                logo_bytes = Path(logo).read_bytes()
            except OSError as exc:
                raise CommandError(
                    _("Logo illisible : %(error)s") % {"error": exc.strerror or exc}
                ) from exc
        target = Path(output)
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("wb") as file:
                result = render_booklets(
                    order=order,
                    output=file,
                    proof=proof,
                    proof_booklets=proof_booklets,
                    sponsor_text=sponsor_text.replace("\\n", "\n"),
                    logo=logo_bytes,
                    site_url=site_url,
                )
            os.replace(partial, target)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(
                _("Impossible d'écrire %(path)s : %(error)s")
                % {"path": output, "error": exc.strerror or exc}
            ) from exc
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            _("%(booklets)s carnets, %(passes)s pass, %(pages)s pages écrits dans %(path)s")
            % {
                "booklets": result.booklets,
                "passes": result.passes,
                "pages": result.pages,
                "path": output,
            }
            + (" " + _("(épreuve)") if proof else "")
        )
