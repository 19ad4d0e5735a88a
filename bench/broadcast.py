#!/usr/bin/env python
"""Bench: one email broadcast to the 100,000-member data set, a worker killed mid-batch.

    .venv/bin/python bench/broadcast.py [--kill-at 0.3] [--batch 500]

1. Makes (once) and migrates its own database, ``<name>_bench_broadcast`` beside
   the other bench databases (bench/run/database.py), and loads
   ``load_demo --size large`` into it (idempotent): 100,000 members, about
   88,000 of them confirmed with the faction consent live.
2. Starts a local SMTP sink (aiosmtpd, in its own process) that accepts every
   message and writes one line per message: recipient and Message-ID.
3. A national organiser sends one broadcast to everyone
   (members.broadcasts.services.broadcast_send, as the admin's Send button
   does), with no rate limit (BROADCAST_RATE_PER_MINUTE=0) so the figure is
   the pipeline's own speed; starts ``manage.py db_worker``, samples its memory
   (VmRSS / VmHWM from /proc) and, once a share of the messages went
   (``--kill-at``), kills it with SIGKILL in the middle of a batch.
4. Puts the stuck task back in the queue the way the recovery sweep does
   (core.task_recovery.requeue_stale_tasks, here without its 15-minute wait),
   starts a second worker and waits until the broadcast is sent.
5. Prints messages per second (each worker, and end to end), the workers' peak
   memory, and compares the sink's log with the delivery rows: messages lost
   (a row marked sent that the sink never got, or a row never sent) and
   duplicated (a recipient the sink got twice, and whether both copies had one
   Message-ID, which mailbox providers fold).

Every process it starts is stopped by its PID. Not part of the test run.
"""

import argparse
import collections
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SUBJECT = "Bench broadcast"


# The SMTP sink (run as: bench/broadcast.py --sink PORT FILE) ---------------------


def sink(port: int, path: str) -> None:
    from aiosmtpd.controller import Controller

    out = open(path, "a", buffering=1)  # noqa: SIM115 - one line a message, kept open
    message_id = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            found = message_id.search(envelope.content)
            mid = found.group(1).decode() if found else "-"
            for rcpt in envelope.rcpt_tos:
                out.write(f"{rcpt}\t{mid}\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), out.close(), sys.exit(0)))
    while True:
        time.sleep(3600)


# The bench ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the SMTP sink did not open port {port}")


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MB, from /proc; (0, 0) once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0, 0.0
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
    return int(values.get("VmRSS", 0)) / 1024, int(values.get("VmHWM", 0)) / 1024


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def setup(batch: int, smtp_port: int) -> str:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings_bench",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        SITE_URL="https://union.example",
        BROADCAST_FROM_EMAIL="Rank and File <news@union.example>",
        BROADCAST_RATE_PER_MINUTE="0",
        BROADCAST_BATCH_SIZE=str(batch),
        LOG_LEVEL="WARNING",
    )
    for name in ("TEST_DATABASE_NAME", "PAGE_CACHE_ENABLED"):
        os.environ.pop(name, None)
    from bench.run import database

    url = database.prepare_database(quick=False, fresh=False, suffix="_broadcast")
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    database.build(url, quick=False, say=lambda line: print(line, flush=True))
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kill-at", type=float, default=0.3, help="share sent before the kill")
    parser.add_argument("--batch", type=int, default=500, help="BROADCAST_BATCH_SIZE")
    parser.add_argument("--sink", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        sink(int(args.sink[0]), args.sink[1])
        return 0

    port = free_port()
    setup(args.batch, port)
    from datetime import timedelta

    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from core.task_recovery import requeue_stale_tasks
    from members.broadcasts import services
    from members.models import Broadcast, BroadcastDelivery, Member, User

    # A clean slate: earlier runs' broadcasts (their rows go with them) and tasks.
    Broadcast.objects.filter(subject__startswith=SUBJECT).delete()
    DBTaskResult.objects.filter(task_path__startswith="members.broadcasts.").delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE members_broadcastdelivery")
    user, _ = User.objects.get_or_create(
        username="bench-broadcaster",
        defaults={"role": "national", "is_staff": True, "email": "bench@union.example"},
    )
    members = Member.objects.count()
    print(f"database {connection.settings_dict['NAME']}: {members} members", flush=True)

    log = tempfile.NamedTemporaryFile(prefix="broadcast-sink-", suffix=".log", delete=False)  # noqa: SIM115
    log.close()
    env = dict(os.environ)
    sink_process = subprocess.Popen(
        [sys.executable, __file__, "--sink", str(port), log.name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    workers, first, second = [], None, None
    try:
        wait_for_port(port)
        broadcast = Broadcast.objects.create(
            subject=f"{SUBJECT} for {{{{ name }}}}",
            body="Hello {{ name }} of {{ branch }},\n\nThe **ballot** opens on Tuesday.",
            scope_everything=True,
            created_by=user,
        )
        queued_at = time.monotonic()
        services.broadcast_send(broadcast=broadcast, actor=user)

        def sent() -> int:
            return broadcast.deliveries.filter(status=BroadcastDelivery.Status.SENT).count()

        first = start_worker(env)
        workers.append(first)
        peak = {first.pid: 0.0}
        while True:  # until the share is sent, then SIGKILL
            peak[first.pid] = max(peak[first.pid], memory_mb(first.pid)[1])
            broadcast.refresh_from_db()
            if broadcast.recipients and sent() >= args.kill_at * broadcast.recipients:
                break
            if first.poll() is not None:
                raise RuntimeError("the worker stopped by itself")
            time.sleep(0.25)
        recipients = broadcast.recipients
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.time()
        sent_at_kill = sent()
        running = DBTaskResult.objects.filter(
            task_path__startswith="members.broadcasts.", status="RUNNING"
        ).count()
        print(
            f"recipients {recipients} (confirmed, consenting, not suppressed) of {members}; "
            f"SIGKILL after {sent_at_kill} sent; tasks left RUNNING by the kill: {running}",
            flush=True,
        )
        time.sleep(1)
        requeued = requeue_stale_tasks(older_than=timedelta(0))
        second = start_worker(env)
        workers.append(second)
        peak[second.pid] = 0.0
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            peak[second.pid] = max(peak[second.pid], memory_mb(second.pid)[1])
            broadcast.refresh_from_db()
            if broadcast.status != Broadcast.Status.SENDING:
                break
            time.sleep(0.5)
        stop(second)
    finally:
        for process in (*workers, sink_process):
            stop(process)

    return report(
        broadcast,
        log=log.name,
        started=broadcast.started_at.timestamp(),
        killed_at=killed_at,
        since_send=time.monotonic() - queued_at,
        peaks=(peak[first.pid], peak[second.pid]),
        requeued=requeued,
    )


def report(broadcast, *, log, started, killed_at, since_send, peaks, requeued) -> int:
    """Print the figures; return 0 when every recipient got the message."""
    from django.db.models import Count, Max, Min

    broadcast.refresh_from_db()
    rows = broadcast.deliveries
    by_status = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    sent_rows = rows.filter(status="sent")
    window = sent_rows.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    before = sent_rows.filter(sent_at__lte=_at(killed_at)).count()
    after = sent_rows.filter(sent_at__gt=_at(killed_at))
    span = after.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    first_rate = before / max(killed_at - started, 1e-9)
    second_rate = 0.0
    if span["first"]:
        second_rate = after.count() / max((span["last"] - span["first"]).total_seconds(), 1e-9)

    received = collections.Counter()
    ids = collections.defaultdict(set)
    for line in Path(log).read_text().splitlines():
        rcpt, mid = line.split("\t")
        received[rcpt.lower()] += 1
        ids[rcpt.lower()].add(mid)
    os.unlink(log)
    marked = {e.lower() for e in sent_rows.values_list("member__email", flat=True)}
    lost_marked = len(marked - received.keys())
    never_sent = rows.exclude(status="sent").count()
    duplicated = sum(n - 1 for n in received.values() if n > 1)
    same_id = all(len(ids[r]) == 1 for r, n in received.items() if n > 1)
    total = (window["last"] - window["first"]).total_seconds()
    print(f"status {broadcast.status}; delivery rows by status {by_status}")
    print(
        f"first worker: {before} messages at {first_rate:.0f} messages/s (from the start, "
        f"writing the rows included), peak memory {peaks[0]:.0f} MB"
    )
    print(
        f"second worker: {after.count()} messages at {second_rate:.0f} messages/s, "
        f"peak memory {peaks[1]:.0f} MB; requeued {requeued} task(s)"
    )
    print(
        f"end to end: {len(marked)} messages, first to last send {total:.0f} s "
        f"(kill and restart included); {since_send:.0f} s since Send"
    )
    print(
        f"sink received {sum(received.values())} messages for {len(received)} recipients; "
        f"lost {lost_marked + never_sent} (marked sent, not received: {lost_marked}; "
        f"never sent: {never_sent}); duplicated {duplicated}"
        + (" (each pair with one Message-ID)" if duplicated and same_id else "")
    )
    ok = broadcast.status == "sent" and lost_marked + never_sent == 0
    print("OK" if ok and duplicated == 0 else ("OK, with duplicates" if ok else "FAILED"))
    return 0 if ok else 1


def _at(epoch: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, tz=UTC)


if __name__ == "__main__":
    sys.exit(main())
