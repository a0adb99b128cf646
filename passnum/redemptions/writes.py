"""The write of a redemption, once every rule has passed: passes taken by a conditional UPDATE,
the redemption and its lines, the ledger transaction and its postings — all or nothing.

On PostgreSQL this is one statement (data-modifying CTEs): one round trip instead of seven, which
is most of what a scan costs. Elsewhere (SQLite) the same rows are written through the ORM. Both
run inside the service's transaction and raise LostRace when another request took one of the
passes first (the caller rolls back and checks again).
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from passnum.accounts.selectors import Acting
from passnum.catalogue.models import Service
from passnum.core.rows import prepared_cursor
from passnum.ledger.enums import TransactionKind
from passnum.ledger.models import Account, LedgerTransaction, Posting
from passnum.orders.models import Order
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.places.models import Place
from passnum.redemptions.models import Redemption, RedemptionLine
from passnum.redemptions.postings import post_redemption, redemption_postings


class LostRace(Exception):
    """Another request took one of the passes between our check and our write."""


class AccountsNotOpened(Exception):
    """A posting's account does not exist yet (the first redemption in a département): the
    caller rolls back, opens them (`ledger.services.open_accounts`) and tries again."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(codes)
        self.codes = codes


@dataclass(frozen=True)
class NewRedemption:
    """What the service decided to write."""

    acting: Acting
    place: Place
    service: Service
    price_cents: int
    items: list[Pass]
    idempotency_key: str | None
    fingerprint: str

    def faces_by_order(self) -> dict[Order, int]:
        faces: dict[Order, int] = defaultdict(int)
        for item in self.items:
            faces[item.order] += item.order.face_value_cents
        return dict(faces)


def write_redemption(new: NewRedemption) -> Redemption:
    """Inside the caller's transaction. LostRace if a pass was taken meanwhile."""
    if connection.vendor == "postgresql":
        return _write_in_one_statement(new)
    return _write_with_orm(new)


def _write_with_orm(new: NewRedemption) -> Redemption:
    faces = new.faces_by_order()
    taken = Pass.objects.filter(
        pk__in=[item.pk for item in new.items], status=PassStatus.ACTIVE
    ).update(status=PassStatus.REDEEMED)
    if taken != len(new.items):
        raise LostRace()
    redemption = Redemption.objects.create(
        organisation=new.acting.organisation,
        place=new.place,
        service=new.service,
        member=new.acting.user,
        price_cents=new.price_cents,
        amount_cents=sum(faces.values()),
        idempotency_key=new.idempotency_key or None,
        request_fingerprint=new.fingerprint,
    )
    RedemptionLine.objects.bulk_create(
        RedemptionLine(redemption=redemption, pass_item=item) for item in new.items
    )
    post_redemption(
        redemption_id=redemption.pk,
        provider_id=new.acting.organisation.pk,
        departement=new.place.departement,
        faces_by_order=faces,
        actor=new.acting.user,
    )
    return redemption


_ONE_STATEMENT = """
WITH taken AS (
    UPDATE {pass} SET status = %(redeemed)s::varchar
    WHERE id = ANY(%(pass_ids)s::bigint[]) AND status = %(active)s::varchar
    RETURNING id
), redemption AS (
    INSERT INTO {redemption} (organisation_id, place_id, service_id, member_id, price_cents,
        amount_cents, created_at, undone_at, undone_by_id, idempotency_key, request_fingerprint)
    SELECT %(organisation)s::bigint, %(place)s::bigint, %(service)s::bigint, %(member)s::bigint,
        %(price)s::integer, %(amount)s::integer, %(now)s::timestamptz, NULL, NULL,
        %(key)s::varchar, %(fingerprint)s::varchar
    WHERE (SELECT count(*) FROM taken) = %(count)s::bigint
    RETURNING id
), lines AS (
    INSERT INTO {line} (redemption_id, pass_id, undone)
    SELECT redemption.id, taken.id, false FROM redemption CROSS JOIN taken
), entry AS (
    INSERT INTO {entry} (kind, created_at, actor_id, order_id, redemption_id, memo)
    SELECT %(kind)s::varchar, %(now)s::timestamptz, %(member)s::bigint, NULL, redemption.id, ''
    FROM redemption
    RETURNING id
), posted AS (
    INSERT INTO {posting} (transaction_id, account_id, amount_cents)
    SELECT entry.id, account.id, wanted.amount
    FROM entry
    CROSS JOIN unnest(%(codes)s::text[], %(amounts)s::bigint[]) AS wanted(code, amount)
    JOIN {account} account ON account.code = wanted.code
    RETURNING 1
)
SELECT (SELECT count(*) FROM taken), (SELECT id FROM redemption), (SELECT count(*) FROM posted)
"""


@functools.cache
def _one_statement_sql() -> str:
    return _ONE_STATEMENT.format(
        **{
            "pass": Pass._meta.db_table,
            "redemption": Redemption._meta.db_table,
            "line": RedemptionLine._meta.db_table,
            "entry": LedgerTransaction._meta.db_table,
            "posting": Posting._meta.db_table,
            "account": Account._meta.db_table,
        }
    )


def _write_in_one_statement(new: NewRedemption) -> Redemption:
    faces = new.faces_by_order()
    amounts = redemption_postings(
        provider_id=new.acting.organisation.pk,
        departement=new.place.departement,
        faces_by_order=faces,
    )
    now = timezone.now()
    params: dict[str, Any] = {
        "redeemed": PassStatus.REDEEMED.value,
        "active": PassStatus.ACTIVE.value,
        "pass_ids": _array_literal(item.pk for item in new.items),
        "count": len(new.items),
        "organisation": new.acting.organisation.pk,
        "place": new.place.pk,
        "service": new.service.pk,
        "member": new.acting.user.pk,
        "price": new.price_cents,
        "amount": sum(faces.values()),
        "now": now,
        "key": new.idempotency_key or None,
        "fingerprint": new.fingerprint,
        "kind": TransactionKind.REDEMPTION.value,
        "codes": _array_literal(amounts),
        "amounts": _array_literal(amounts.values()),
    }
    with prepared_cursor(connection.alias) as cursor:
        cursor.execute(_one_statement_sql(), params)
        taken, redemption_id, posted = cursor.fetchone()
    if taken != len(new.items):
        raise LostRace()
    if posted != len(amounts):
        raise AccountsNotOpened(list(amounts))
    values = {
        "id": redemption_id,
        "organisation_id": new.acting.organisation.pk,
        "place_id": new.place.pk,
        "service_id": new.service.pk,
        "member_id": new.acting.user.pk,
        "price_cents": new.price_cents,
        "amount_cents": params["amount"],
        "created_at": now,
        "undone_at": None,
        "undone_by_id": None,
        "idempotency_key": params["key"],
        "request_fingerprint": new.fingerprint,
    }
    fields = Redemption._meta.concrete_fields
    redemption = Redemption.from_db(
        connection.alias, [f.attname for f in fields], [values[f.attname] for f in fields]
    )
    redemption.service = new.service  # the answer names it: no query for it
    return redemption


def _array_literal(values: Iterable[object]) -> str:
    """A PostgreSQL array literal ('{"a","b"}', cast in the SQL): psycopg's list adapter costs
    more than the rest of the statement's parameters together."""
    quoted = (str(value).replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"
