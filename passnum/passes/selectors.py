from collections.abc import Iterable

from passnum.passes.models import Pass


def passes_by_code(codes: Iterable[str]) -> dict[str, Pass]:
    """Passes (with their order) for normalised codes; unknown codes are simply absent.

    A pass is a bearer instrument: knowing its code is what lets one use it, so a place may look
    any code up. What is shown about it is decided by the caller.
    """
    return {
        item.code: item
        for item in Pass.objects.select_related("order").filter(code__in=list(codes))
    }
