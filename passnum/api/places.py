from django.http import HttpRequest
from ninja import Router

from passnum.api.auth import acting_of
from passnum.api.schemas import Error, PlaceOut
from passnum.places.selectors import places_of

router = Router(tags=["Lieux"])


@router.get("/places", response={200: list[PlaceOut], 400: Error, 401: Error}, summary="Mes lieux")
def list_places(request: HttpRequest):
    places = places_of(acting=acting_of(request))
    return [
        {
            "id": p.pk,
            "name": p.name,
            "commune": p.commune_name,
            "postcode": p.postcode,
            "place_type": p.place_type,
            "qualified": p.is_qualified,
        }
        for p in places
    ]
