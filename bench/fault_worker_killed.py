#!/usr/bin/env python
"""Fault: the task worker is killed in the middle of a task.

    .venv/bin/python bench/fault_worker_killed.py

1. Uses the join bench's own database (bench/join_surge.py), and queues a probe
   task (core.task_recovery.probe_task) that works for a few seconds and
   then records its effect once.
2. Starts ``manage.py db_worker``, waits until it has claimed the task, and
   kills it with SIGKILL (no chance to clean up), by its PID.
3. Shows the task stuck as RUNNING with no effect: django-tasks-db never
   retries it by itself.
4. Runs the recovery check (core.task_recovery.requeue_stale_tasks, which
   the worker runs every few minutes for tasks older than
   TASK_STALE_AFTER_MINUTES; here with no wait), starts a new worker, and
   checks that the task then succeeds and its effect exists exactly once.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def main() -> int:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings_bench",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    from bench.join_surge import prepare_database

    prepare_database()  # sets DATABASE_URL, migrates, django.setup()
    from django_tasks_db.models import DBTaskResult

    from core.models import SentMarker
    from core.task_recovery import probe_key, probe_task, requeue_stale_tasks

    marker = f"worker-killed-{secrets.token_hex(4)}"
    result = probe_task.enqueue(marker=marker, seconds=5)

    def row():
        return DBTaskResult.objects.get(id=result.id)

    def effects():
        return SentMarker.objects.filter(key=probe_key(marker)).count()

    worker = start_worker()
    second = None
    try:
        claimed = wait_for(lambda: row().status == "RUNNING", 60)
        time.sleep(1)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        time.sleep(1)
        stuck = row().status
        effect_after_kill = effects()
        print(
            f"claimed by the worker: {claimed}; killed with SIGKILL mid-task; "
            f"task now {stuck}, effect rows {effect_after_kill}"
        )
        requeued = requeue_stale_tasks(older_than=timedelta(0))
        print(f"recovery check requeued {requeued} task(s)")
        second = start_worker()
        done = wait_for(lambda: row().status in ("SUCCESSFUL", "FAILED"), 90)
        final, effect_rows = row().status, effects()
        print(f"after a new worker: task {final}, effect rows {effect_rows}")
    finally:
        for process in (worker, second):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        SentMarker.objects.filter(key=probe_key(marker)).delete()
        DBTaskResult.objects.filter(id=result.id).delete()
    ok = (
        claimed
        and stuck == "RUNNING"
        and effect_after_kill == 0
        and requeued >= 1
        and done
        and final == "SUCCESSFUL"
        and effect_rows == 1
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
