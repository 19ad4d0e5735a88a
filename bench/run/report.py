"""The output: the table, the targets (issues #9, #18, #21), the summary lines and the JSON."""

import json
import os
from pathlib import Path

from bench.run.pages import CEILING_AGAIN, Result, Row


def fmt_result(result: Result | None) -> str:
    if result is None:
        return ""
    if not result.requests:
        return f"{'none finished in time':>24}"
    err = f" !{result.errors}" if result.errors else ""
    return f"{result.rps:8.0f} {result.p50_ms:7.1f} {result.p99_ms:7.1f}{err}"


def print_table(rows, concurrencies, ceiling: Row, peak, out=print, footer=True):
    head = f"{'row':42} {'SQL':>4} " + " ".join(
        f"{f'c={c}: rps':>8} {'p50 ms':>7} {'p99 ms':>7}" for c in concurrencies
    )
    ref = ceiling.results.get(16) or next(iter(ceiling.results.values()), None)
    out(head + f" {'ratio':>6}")
    out("-" * (len(head) + 7))
    for row in rows:
        if row.note:
            out(f"{row.name:42} {row.note}")
            continue
        queries = "" if row.queries is None else str(row.queries)
        cells = " ".join(fmt_result(row.results.get(c)).ljust(24) for c in concurrencies)
        mine = row.results.get(16) or next(iter(row.results.values()), None)
        ratio = f"{mine.rps / ref.rps:6.2f}" if row.public and ref and mine and ref.rps else ""
        out(f"{row.name:42} {queries:>4} {cells} {ratio}")
    out("")
    if not footer:
        return
    out("ratio: requests per second at concurrency 16 divided by the static ceiling's.")
    out("!N after a cell: N answers that were not 2xx/3xx, or socket errors.")
    for name, pids in peak.items():
        values = ", ".join(f"{rss / 2**20:.0f} MB" for rss in pids.values()) or "n/a"
        out(f"peak RSS per worker ({name}): {values}")


def print_beside_peers(
    rows, concurrencies, ceiling: Row, peer_workers, *, workers, out=print
) -> None:
    """Our home, article and list rows, cached and cold, each followed by the peers'."""
    peers = sorted({row.peer for row in rows if row.peer})
    if not peers:
        return
    out(
        f"Beside the peers ({' and '.join(peers)}, stock, {peer_workers} workers each; "
        f"ours {workers}; the same ceiling, load and seconds):"
    )
    out("")
    kinds = ("home", "article", "list")
    side = [row for kind in kinds for row in rows if row.kind == kind]
    print_table([ceiling, *side], concurrencies, ceiling, {}, out=out, footer=False)
    for peer in peers:
        paths = ", ".join(f"{row.kind} {row.path}" for row in rows if row.peer == peer and row.path)
        out(f"{peer}: {paths or 'not loaded'}")


def check_targets(rows, ceiling: Row, peak, join_stats, out=print) -> None:
    ref = ceiling.results.get(16)
    out("")
    out("Targets (issues #9, #18 and #21):")
    if not ref:
        out("  (no concurrency-16 ceiling measured: targets need the full run)")
        return

    def line(ok, text):
        out(f"  [{'met ' if ok else 'MISS'}] {text}")

    for row in rows:
        r = row.results.get(16)
        if row.note or r is None:
            continue
        ratio = r.rps / ref.rps if ref.rps else 0
        if row.target == "cached":
            p99 = r.p99_ms / ref.p99_ms if ref.p99_ms else 0
            line(
                ratio >= 0.9 and p99 <= 2,
                f"{row.name}: {ratio:.2f} of the ceiling (>= 0.9), "
                f"p99 {p99:.1f}x the ceiling's (<= 2)",
            )
        elif row.target in ("cold", "search"):
            line(ratio >= row.floor, f"{row.name}: {ratio:.3f} of the ceiling (>= {row.floor})")
        elif row.target == "organiser":
            alone = row.results.get(1)
            line(
                row.queries is not None
                and row.queries < 10
                and alone is not None
                and alone.p50_ms < row.limit_ms
                and r.p50_ms < 4 * row.limit_ms,
                f"{row.name}: {row.queries} SQL queries (< 10); p50 "
                f"{alone.p50_ms if alone else float('nan'):.1f} ms alone (< {row.limit_ms:.0f}), "
                f"{r.p50_ms:.1f} ms at 16 at once (< {4 * row.limit_ms:.0f})",
            )
    again = next((row.results.get(16) for row in rows if row.name == CEILING_AGAIN), None)
    if again:
        out(
            f"  (the ceiling again at the end: {again.rps:.0f} requests a second at 16, "
            f"{again.rps / ref.rps:.2f} of the first: every ratio moves by as much)"
        )
    if join_stats:
        line(
            join_stats["lost"] == 0 and join_stats["duplicated"] == 0,
            "join POST: {accepted} accepted, {lost} lost, {duplicated} duplicated".format(
                **join_stats
            ),
        )
    worst = max((rss for pids in peak.values() for rss in pids.values()), default=0)
    line(worst < 150 * 2**20, f"peak RSS per worker {worst / 2**20:.0f} MB (< 150 MB)")


def print_report(
    rows,
    concurrencies,
    peak,
    after,
    *,
    quick,
    size,
    workers,
    peer_workers,
    seconds,
    wrk,
    load_before,
    join_stats,
    consistency,
    explain,
) -> None:
    """Everything the bench prints after the load: what ran where, the table, the targets."""
    from django.conf import settings

    ceiling = rows[0]
    print()
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"Rank and File bench ({'quick' if quick else 'full'}): load_demo --size {size}, "
        f"gunicorn {workers} sync workers x2 (page cache on / off), DEBUG off, "
        f"{seconds} s per cell, load by {Path(wrk).name if wrk else 'Python'}, cache {backend}"
    )
    print(
        f"machine: {os.cpu_count()} cores; load average at the start {load_before:.1f}, "
        f"at the end {os.getloadavg()[0]:.1f} (other work on the machine skews every figure; "
        "the ratios to the ceiling, measured side by side, hold better)"
    )
    print()
    print_table([row for row in rows if not row.peer], concurrencies, ceiling, peak)
    print(
        "RSS per worker after the run: "
        + "; ".join(
            f"{n}: " + ", ".join(f"{v / 2**20:.0f} MB" for v in d.values())
            for n, d in after.items()
        )
    )
    if join_stats:
        print(f"join POST accounting: {join_stats}")
    if consistency:
        print(consistency)
    if any(row.peer for row in rows):
        print()
        print_beside_peers(rows, concurrencies, ceiling, peer_workers, workers=workers)
    print()
    print("EXPLAIN of the search queries:")
    print(explain)
    peers = {row.server for row in rows if row.peer}  # their memory is theirs, not a target
    ours = {name: pids for name, pids in peak.items() if name not in peers}
    check_targets(rows, ceiling, ours, join_stats)


def write_json(path, rows, *, join_stats, peak, explain, info) -> None:
    Path(path).write_text(
        json.dumps(
            {
                "rows": [
                    {
                        "name": r.name,
                        "path": r.path,
                        "kind": r.kind,
                        "peer": r.peer,
                        "queries": r.queries,
                        "status": r.status,
                        "note": r.note,
                        "results": {str(c): vars(res) for c, res in r.results.items()},
                    }
                    for r in rows
                ],
                "join": join_stats,
                "peak_rss": {n: list(p.values()) for n, p in peak.items()},
                "explain": explain,
                "info": info,
            },
            indent=2,
        )
    )
