"""Writes of the places app: places and their offers (places.py), sign-up of a provider
(registration.py), qualification files (files.py), their review (review.py), places added after
the qualification and reviewed alone (place_review.py)."""

from passnum.places.services.files import (
    accept_terms,
    add_document,
    answer_eligibility,
    open_file,
    set_bank_details,
    submit_file,
    update_file_identity,
    update_legal_representative,
)
from passnum.places.services.place_review import review_place, submit_place
from passnum.places.services.places import (
    change_place_qualification,
    create_place,
    import_place,
    remove_service_offer,
    set_service_offer,
    update_place,
)
from passnum.places.services.registration import register_provider
from passnum.places.services.review import comment_file, review_file, validate_bank_details

__all__ = [
    "accept_terms",
    "add_document",
    "answer_eligibility",
    "change_place_qualification",
    "comment_file",
    "create_place",
    "import_place",
    "open_file",
    "register_provider",
    "remove_service_offer",
    "review_file",
    "review_place",
    "set_bank_details",
    "set_service_offer",
    "submit_file",
    "submit_place",
    "update_file_identity",
    "update_legal_representative",
    "update_place",
    "validate_bank_details",
]
