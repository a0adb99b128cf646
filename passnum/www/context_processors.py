from django.http import HttpRequest

from passnum.www.acting import current_acting


def acting_organisation(request: HttpRequest) -> dict:
    if not hasattr(request, "user"):
        return {}
    return {"acting": current_acting(request)}
