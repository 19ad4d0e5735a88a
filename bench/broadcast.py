#!/usr/bin/env python
"""Bench: one email broadcast to the 100,000-member data set, a worker killed mid-batch.

    .venv/bin/python bench/broadcast.py [--kill-at 0.3 | --kills 5] [--batch 500]

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
   (``--kill-at``), kills it with SIGKILL in the middle of a batch (``--kills N``:
   N workers killed in turn, at even shares).
4. Puts the stuck task back in the queue the way the recovery sweep does
   (core.task_recovery.requeue_stale_tasks, here without its 15-minute wait),
   starts the next worker, and the last one runs until the broadcast is sent.
5. Prints messages per second (each worker, and end to end), the workers' peak
   memory, and compares the sink's log with the delivery rows: messages lost
   (a row marked sent that the sink never got, or a row never sent) and
   duplicated (a recipient the sink got twice, and whether both copies had one
   Message-ID, which mailbox providers fold).

Every process it starts is stopped by its PID. Not part of the test run.
"""

import argparse
import collections
import itertools
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
    parser.add_argument(
        "--kills", type=int, default=1, help="kill this many workers, at even shares"
    )
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
    workers, kills, peaks = [], [], []
    shares = (
        [(k + 1) / (args.kills + 1) for k in range(args.kills)]
        if args.kills > 1
        else [args.kill_at]
    )
    load_before = os.getloadavg()[0]
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

        for share in [*shares, None]:  # a worker per share, killed there; the last finishes
            worker = start_worker(env)
            workers.append(worker)
            peak, deadline = 0.0, time.monotonic() + 3600
            while time.monotonic() < deadline:
                peak = max(peak, memory_mb(worker.pid)[1])
                broadcast.refresh_from_db()
                if share is None and broadcast.status != Broadcast.Status.SENDING:
                    break
                reached = broadcast.recipients and sent() >= (share or 2) * broadcast.recipients
                if share is not None and reached:
                    break
                if worker.poll() is not None:
                    raise RuntimeError("the worker stopped by itself")
                time.sleep(0.25)
            peaks.append(peak)
            if share is None:
                stop(worker)
                break
            os.kill(worker.pid, signal.SIGKILL)  # mid-batch: a batch task is RUNNING
            worker.wait(timeout=10)
            running = DBTaskResult.objects.filter(
                task_path__startswith="members.broadcasts.", status="RUNNING"
            ).count()
            kills.append(time.time())
            print(
                f"SIGKILL after {sent()} of {broadcast.recipients} sent "
                f"(tasks left RUNNING by the kill: {running})",
                flush=True,
            )
            time.sleep(1)
            requeue_stale_tasks(older_than=timedelta(0))
    finally:
        for process in (*workers, sink_process):
            stop(process)

    print(
        f"recipients {broadcast.recipients} (confirmed, consenting, not suppressed) of "
        f"{members} members; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (2 cores)"
    )
    return report(
        broadcast,
        log=log.name,
        kills=kills,
        since_send=time.monotonic() - queued_at,
        peaks=peaks,
    )


def report(broadcast, *, log, kills, since_send, peaks) -> int:
    """Print the figures; return 0 when every recipient got the message."""
    from django.db.models import Count, Max, Min

    broadcast.refresh_from_db()
    rows = broadcast.deliveries
    by_status = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    sent_rows = rows.filter(status="sent")
    window = sent_rows.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    bounds = [broadcast.started_at, *map(_at, kills), window["last"]]
    for n, (start, end) in enumerate(itertools.pairwise(bounds), 1):
        part = sent_rows.filter(sent_at__gt=start, sent_at__lte=end)
        span = part.aggregate(first=Min("sent_at"), last=Max("sent_at"))
        count = part.count()
        seconds = (span["last"] - span["first"]).total_seconds() if count > 1 else 0
        rate = count / seconds if seconds else 0.0
        how = "killed with SIGKILL" if n <= len(kills) else "ran to the end"
        print(
            f"worker {n}: {count} messages at {rate:.0f} messages/s, peak memory "
            f"{peaks[n - 1]:.0f} MB; {how}"
        )
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
        f"end to end: {len(marked)} messages, first to last send {total:.0f} s "
        f"({len(kills)} kill(s) and restarts included; {len(marked) / total:.0f} messages/s); "
        f"{since_send:.0f} s since Send"
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
