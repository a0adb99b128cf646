from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from passnum.accounts.models import User
from passnum.orders.enums import OrderStatus
from passnum.orders.models import Order
from passnum.passes.enums import PassStatus
from passnum.passes.services import expire_order_passes


class Command(BaseCommand):
    help = "Expire unused passes of orders past validity end + tolerance (run daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", required=True, help="E-mail of the operator staff member")

    def handle(self, *args, actor: str, **options) -> None:
        user = User.objects.get(email=actor)
        today = timezone.localdate()
        total = 0
        candidates = (
            Order.objects.exclude(status=OrderStatus.CANCELLED)
            .filter(passes__status__in=[PassStatus.ACTIVE, PassStatus.BLOCKED, PassStatus.INACTIVE])
            .distinct()
        )
        for order in candidates:
            if today > order.expires_on:
                total += expire_order_passes(actor=user, order=order, today=today)
        self.stdout.write(f"{total} passes expired")
