"""The `passnum` console entry point: Django's management commands behind one name.

`passnum demo`, `passnum ledger check`, `passnum migrate`... are `django-admin` commands run with
passnum's settings.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passnum.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])


if __name__ == "__main__":
    main()
