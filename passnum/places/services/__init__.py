"""Writes of the places app: places and their offers (places.py), qualification files
(files.py), their review (review.py)."""

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
from passnum.places.services.places import (
    change_place_qualification,
    create_place,
    remove_service_offer,
    set_service_offer,
    update_place,
)
from passnum.places.services.review import comment_file, review_file, validate_bank_details

__all__ = [
    "accept_terms",
    "add_document",
    "answer_eligibility",
    "change_place_qualification",
    "comment_file",
    "create_place",
    "open_file",
    "remove_service_offer",
    "review_file",
    "set_bank_details",
    "set_service_offer",
    "submit_file",
    "update_file_identity",
    "update_legal_representative",
    "update_place",
    "validate_bank_details",
]
