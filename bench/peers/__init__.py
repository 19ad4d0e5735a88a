"""The peers: a stock Wagtail blog and a stock WordPress beside this project, in one bench run.

``python -m bench.run --peers`` (``make bench-peers``) sets them up before the
load, with the newest 1,000 published articles of the bench database, starts
them beside its own gunicorns, loads their home, article and list pages with
the same load generator, concurrencies and seconds, and prints them beside
this project's home, article and list rows, as ratios to the same ceiling.

- ``articles``: the articles, and the file the peers load them from;
- ``servers``: what a peer is (set-up steps, processes stopped by PID, its rows);
- ``wagtail``: the Wagtail tutorial's blog on PostgreSQL under gunicorn;
- ``wordpress``: Debian's WordPress under nginx and php-fpm, on MariaDB.

Both are installed and loaded once, in ``.bench/peers/`` (git-ignored) and in
databases of their own; later runs reuse them and reload only other articles.
"""

import time
from urllib.parse import urlsplit

from bench.peers.articles import list_position, load_file, peer_articles
from bench.peers.servers import Peer, PeerError
from bench.run import ROOT

PEERS_DIR = ROOT / ".bench" / "peers"
WORKERS = 5  # each server's workers in a run with the peers (--workers changes it for all)


def prepare_peers(rows, *, database_url: str, workers: int, list_page: int, secret_key: str, say):
    """Set up the peers and put their rows after ours of the same kind; return those set up."""
    from articles import conf
    from bench.peers.wagtail import WagtailPeer
    from bench.peers.wordpress import WordPressPeer

    kinds = {row.kind for row in rows if row.kind}  # --rows may have left some out
    if not kinds:
        say("peers: no home, article or list row of ours to set them beside; not set up")
        return []
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    articles = peer_articles()
    content = load_file(articles)
    path = PEERS_DIR / "articles.json"
    if not path.exists() or path.read_bytes() != content:
        path.write_bytes(content)
    position = list_position(list_page, conf.PAGE_SIZE, len(articles))
    say(f"peers: {len(articles)} articles in {path.relative_to(ROOT)}; list position {position}")
    peers: list[Peer] = [
        WagtailPeer(
            workers=workers,
            folder=PEERS_DIR / "wagtail",
            database_url=database_url,
            secret_key=secret_key,
        ),
        WordPressPeer(
            workers=workers,
            folder=PEERS_DIR / "wordpress",
            database_name=urlsplit(database_url).path.lstrip("/"),
        ),
    ]
    ready = []
    for peer in peers:
        started = time.monotonic()
        try:
            paths = peer.set_up(path, position, say)
        except PeerError as exc:
            say(f"{peer.name}: NOT SET UP: {exc}")
            peer.make_rows(None, note=f"n/a ({str(exc).splitlines()[0]})")
        else:
            say(f"{peer.name}: set up in {time.monotonic() - started:.1f} s: {paths}")
            peer.make_rows(paths)
            ready.append(peer)
        peer.rows = [row for row in peer.rows if row.kind in kinds]
        place_rows(rows, peer.rows)
    return ready


def place_rows(rows, peer_rows) -> None:
    """Put each peer row after the last row of its kind, so pages of a kind load one after another.

    The load then measures them close together in time, beside ours.
    """
    for row in peer_rows:
        same_kind = [i for i, r in enumerate(rows) if r.kind == row.kind]
        rows.insert(same_kind[-1] + 1 if same_kind else len(rows), row)
