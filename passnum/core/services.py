from django.db import IntegrityError, transaction

from passnum.core.models import NumberSequence


def allocate_numbers(*, name: str, count: int, start: int = 1) -> range:
    """Reserve `count` consecutive numbers of the sequence `name`; call inside a transaction.

    The row lock is held until the caller commits, so a rolled-back caller gives its numbers back:
    the sequence stays gap-free.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_numbers must run inside the caller's transaction")
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(name=name, defaults={"next_value": start})
    except IntegrityError:
        pass  # created concurrently: fine, lock it below
    sequence = NumberSequence.objects.select_for_update().get(name=name)
    first = sequence.next_value
    sequence.next_value = first + count
    sequence.save(update_fields=["next_value"])
    return range(first, first + count)
