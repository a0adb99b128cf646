"""Django's tasks framework: `django.tasks` (Django 6) or its backport `django_tasks` (Django 5.2).

Every background task of passnum is declared with `task` from here, and runs in the worker
(`passnum worker`) through the database backend of django-tasks-db.
"""

try:
    from django.tasks import task, task_backends  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Django 5.2 LTS on Python 3.11
    from django_tasks import task, task_backends  # type: ignore[import-not-found,no-redef,unused-ignore]

__all__ = ["task", "task_backends"]
