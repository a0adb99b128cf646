"""Sign-up of a provider ("Devenir lieu qualifié"): the person's account, their structure and
its qualification file, created together or not at all."""

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import User
from passnum.accounts.selectors import Acting, acting_for
from passnum.accounts.services import create_organisation, create_user
from passnum.core.exceptions import DomainError
from passnum.places.services.files import open_file
from passnum.places.validation import InvalidPlace, clean_siren


class InvalidRegistration(DomainError):
    """A refused sign-up; `field` names the argument of `register_provider` at fault."""

    code = "invalid_registration"
    http_status = 400
    default_message = _("L'inscription est refusée.")
    field = ""

    def __init__(self, message: Any = None, *, field: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = field or self.field


class EmailTaken(InvalidRegistration):
    code = "email_taken"
    http_status = 409
    default_message = _("Un compte existe déjà avec cette adresse : connectez-vous.")
    field = "email"


class WeakPassword(InvalidRegistration):
    code = "weak_password"
    default_message = _("Ce mot de passe est trop faible.")
    field = "password"


def register_provider(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    organisation_name: str,
    siren: str,
) -> Acting:
    """A visitor creates their account, their provider organisation (of which they are the
    first administrator) and its empty qualification file, in one transaction. The password
    must pass Django's validators (AUTH_PASSWORD_VALIDATORS). Returns the new member acting
    for the new organisation."""
    email = User.objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidRegistration(_("Adresse e-mail invalide."), field="email") from exc
    names = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "organisation_name": organisation_name.strip(),
    }
    for name, value in names.items():
        if not value:
            raise InvalidRegistration(_("Ce champ est obligatoire."), field=name)
    try:
        siren = clean_siren(siren)
    except InvalidPlace as exc:
        raise InvalidRegistration(exc.message, field="siren", **exc.params) from exc
    candidate = User(email=email, first_name=names["first_name"], last_name=names["last_name"])
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as exc:
        raise WeakPassword(
            " ".join(exc.messages),
            details=[
                {"code": error.code or "", "message": " ".join(error.messages)}
                for error in exc.error_list
            ],
        ) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    try:
        with transaction.atomic():
            user = create_user(
                email=email,
                password=password,
                first_name=names["first_name"],
                last_name=names["last_name"],
            )
            organisation = create_organisation(
                actor=user,
                name=names["organisation_name"],
                kind=OrganisationKind.PROVIDER,
                siren=siren,
            )
            acting = acting_for(user=user, organisation_id=organisation.pk)
            open_file(acting=acting)
    except IntegrityError as exc:  # the same address, sent twice at once
        raise EmailTaken() from exc
    return acting
