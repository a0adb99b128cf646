"""`passnum worker`: runs background jobs and the daily schedule. One per machine is enough;
several may run side by side (each job and each day's run is taken once)."""

import logging
import os
import socket
import threading

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from passnum.jobs.scheduler import enqueue_due_jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run background jobs (database queue) and enqueue the daily jobs at their time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Enqueue what is due, run every queued job, then exit (cron, tests).",
        )
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--schedule-every", type=float, default=30.0, help="Seconds between schedule checks."
        )

    def handle(self, *args, once: bool, interval: float, schedule_every: float, **options) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=once,
            backend_name="default",
            startup_delay=not once,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        if once:
            for name in enqueue_due_jobs():
                self.stdout.write(f"enqueued daily job {name}")
            worker.run()
            return
        stop = threading.Event()
        scheduler = threading.Thread(
            target=self._schedule, args=(stop, schedule_every), daemon=True, name="scheduler"
        )
        scheduler.start()
        self.stdout.write(f"passnum worker {worker_id}: waiting for jobs")
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()

    def _schedule(self, stop: threading.Event, every: float) -> None:
        while not stop.is_set():
            try:
                close_old_connections()
                for name in enqueue_due_jobs():
                    logger.warning("enqueued daily job %s", name)
            except Exception:  # the scheduler must outlive a database hiccup
                logger.exception("schedule check failed")
            finally:
                connection.close()
            stop.wait(every)
