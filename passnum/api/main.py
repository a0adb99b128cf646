from ninja import NinjaAPI

from passnum.api import geography, opendata, orders, places, redemptions, standard
from passnum.api.auth import TokenAuth
from passnum.api.errors import install_error_handlers

api = NinjaAPI(
    title="passnum API",
    version="1",
    description=(
        "API JSON de passnum. Chaque requête agit au nom de l'organisation du jeton "
        "(`Authorization: Bearer pn_…`) et ne voit que ses données. Montants en centimes. "
        'Erreurs : `{"error": {"code", "message", "details"}}`, code stable, message en '
        "français ou en anglais (`Accept-Language: en`). Ce document donne toutes les limites "
        "(longueurs des textes, sans caractère de contrôle ; entiers sur 64 bits) ; un corps "
        "JSON trop gros est refusé en 413 (`payload_too_large`)."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
)
install_error_handlers(api)
# orders first: its POST /passes/block must not be taken for GET /passes/{code}
api.add_router("", orders.router)
api.add_router("", redemptions.router)
api.add_router("", places.router)
api.add_router("", standard.router)
api.add_router("", geography.router)
api.add_router("", opendata.router)
