"""A stock WordPress: Debian's packages, nginx and php-fpm (static workers), MariaDB.

``apt-get`` installs ``wordpress``, its default theme (Twenty Twenty-Three),
``php-fpm``, ``php-mysql`` and ``nginx`` when they are missing. The bench's
configuration is in ``.bench/peers/wordpress/`` (git-ignored): ``nginx.conf``
(Debian's example site for WordPress on nginx), ``php-fpm.conf`` (``pm = static``,
one PHP worker per bench worker), ``wp-config.php``, the logs and the socket.
Debian's ``/usr/share/wordpress/wp-config.php`` reads
``/etc/wordpress/config-NAME.php``, NAME given by nginx (``WORDPRESS_CONFIG``);
the bench writes that file as one line that includes its own ``wp-config.php``.
The database is ``<bench database>_wordpress`` on MariaDB (``BENCH_MARIADB_URL``,
by default ``mysql://root@127.0.0.1:3306``). No caching plugin; PHP's opcache is
on, as Debian ships it.
"""

import glob
import hashlib
import json
import os
import secrets
import shutil
import stat
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bench.peers.articles import digest
from bench.peers.servers import Peer, PeerError, Process, clean_env, run_step
from bench.run import HOST

PACKAGES = ("wordpress", "wordpress-theme-twentytwentythree", "php-fpm", "php-mysql", "nginx")
WORDPRESS = Path("/usr/share/wordpress")
SETUP = Path(__file__).resolve().parent / "wordpress_setup.php"
STAMP_OPTION = "rankandfile_bench_articles"  # the digest of the articles it holds


def php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class WordPressPeer(Peer):
    name = "WordPress"
    key = "wordpress"

    def __init__(self, *, workers: int, folder: Path, database_name: str):
        super().__init__(workers=workers, folder=folder)
        self.database = f"{database_name}_wordpress"
        # One name per checkout: another checkout's bench writes its own file.
        self.config_name = "rankandfile-bench-" + hashlib.sha1(str(folder).encode()).hexdigest()[:8]  # noqa: S324
        mariadb = urlsplit(os.environ.get("BENCH_MARIADB_URL", "mysql://root@127.0.0.1:3306"))
        self.db_host = mariadb.hostname or HOST
        self.db_port = mariadb.port or 3306
        self.db_user = unquote(mariadb.username or "root")
        self.db_password = unquote(mariadb.password or "")

    def master_pid(self) -> int | None:
        php_fpm = self.processes[0] if self.processes else None
        return php_fpm.proc.pid if php_fpm and php_fpm.proc else None

    def set_up(self, articles: Path, list_position: int, say) -> dict:
        if os.geteuid() != 0:
            raise PeerError(
                "needs root (apt-get; /etc/wordpress; nginx and php-fpm workers run as www-data)"
            )
        self.install(say)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "tmp").mkdir(exist_ok=True)
        self.check_reachable()
        self.check_mariadb()
        self.write_config()
        loaded = self.sql(
            f"SELECT option_value FROM wp_options WHERE option_name = '{STAMP_OPTION}'",
            database=self.database,
            check=False,
        )
        if loaded != digest(articles.read_bytes()):
            say(f"WordPress: installing into {self.database} and loading the articles")
            self.sql(
                f"DROP DATABASE IF EXISTS `{self.database}`;"
                f" CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4"
            )
        out = run_step(
            [
                "php",
                SETUP,
                self.config_name,
                articles,
                digest(articles.read_bytes()),
                list_position,
            ],
            env=clean_env(),
        )
        paths = json.loads(out.strip().splitlines()[-1])
        self.processes = [
            Process(
                "php-fpm",
                [self.php_fpm(), "--nodaemonize", "--fpm-config", self.folder / "php-fpm.conf"],
                env=clean_env(),
                log_path=self.log("php-fpm"),
            ),
            Process(
                "nginx",
                [
                    shutil.which("nginx") or "/usr/sbin/nginx",
                    "-p",
                    self.folder,
                    "-c",
                    self.folder / "nginx.conf",
                    "-e",
                    self.log("nginx-error"),
                ],
                env=clean_env(),
                log_path=self.log("nginx"),
            ),
        ]
        return paths

    def install(self, say) -> None:
        status = subprocess.run(
            ["dpkg-query", "-W", "-f", "${db:Status-Status}\n", *PACKAGES],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        if status == ["installed"] * len(PACKAGES):
            return
        say(f"WordPress: apt-get install {' '.join(PACKAGES)}")
        env = clean_env(DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]
        try:
            run_step(install, env=env)
        except PeerError:  # an old package list: update it once
            run_step(["apt-get", "update", "-q"], env=env)
            run_step(install, env=env)

    def php_fpm(self) -> str:
        found = sorted(glob.glob("/usr/sbin/php-fpm*"))
        if not found:
            raise PeerError("php-fpm is not installed (apt-get install php-fpm)")
        return found[-1]

    def check_reachable(self) -> None:
        """The PHP workers (www-data) read wp-config.php here; nginx's reach the socket."""
        for folder in [self.folder, *self.folder.parents]:
            if not folder.stat().st_mode & stat.S_IXOTH:
                raise PeerError(
                    f"www-data cannot enter {folder}: put the checkout where others may "
                    "read it, or chmod o+x it"
                )

    def sql(self, statement: str, *, database: str = "", check: bool = True) -> str | None:
        client = shutil.which("mariadb") or shutil.which("mysql")
        if not client:
            raise PeerError("no MariaDB client (apt-get install mariadb-client)")
        cmd = [
            client,
            "--protocol=TCP",
            f"--host={self.db_host}",
            f"--port={self.db_port}",
            f"--user={self.db_user}",
            "--batch",
            "--skip-column-names",
            f"--execute={statement}",
        ]
        if self.db_password:
            cmd.insert(1, f"--password={self.db_password}")
        if database:
            cmd.append(database)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            if check:
                raise PeerError(f"MariaDB: {done.stderr.strip()}")
            return None
        return done.stdout.strip()

    def check_mariadb(self) -> None:
        try:
            self.sql("SELECT 1")
        except PeerError as exc:
            raise PeerError(
                f"MariaDB does not answer at {self.db_host}:{self.db_port} as {self.db_user}:"
                f" start it (service mariadb start) or set BENCH_MARIADB_URL\n{exc}"
            ) from exc

    def write_config(self) -> None:
        keys = [
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        ]
        settings = {
            "DB_NAME": self.database,
            "DB_USER": self.db_user,
            "DB_PASSWORD": self.db_password,
            "DB_HOST": f"{self.db_host}:{self.db_port}",
            "DB_CHARSET": "utf8mb4",
        } | {key: secrets.token_urlsafe(48) for key in keys}
        lines = [
            "<?php",
            "// Written by bench/peers/wordpress.py; Debian's wp-config.php includes it through",
            f"// /etc/wordpress/config-{self.config_name}.php and sets the rest to its defaults.",
            *(f"define('{name}', {php_string(value)});" for name, value in settings.items()),
            "// The address it is asked at: its links and canonical redirects match the request.",
            "define('WP_HOME', 'http://' . ($_SERVER['HTTP_HOST'] ?? '127.0.0.1'));",
            "define('WP_SITEURL', WP_HOME);",
            "",
        ]
        config = self.folder / "wp-config.php"
        config.write_text("\n".join(lines))
        config.chmod(0o644)
        Path(f"/etc/wordpress/config-{self.config_name}.php").write_text(
            f"<?php require {php_string(str(config))};\n"
        )
        (self.folder / "php-fpm.conf").write_text(
            f"""; php-fpm for the bench's WordPress (bench/peers/wordpress.py)
[global]
pid = {self.folder}/php-fpm.pid
error_log = {self.log("php-fpm-error")}
daemonize = no

[wordpress]
user = www-data
group = www-data
listen = {self.folder}/php-fpm.sock
listen.owner = www-data
listen.group = www-data
pm = static
pm.max_children = {self.workers_count}
"""
        )
        tmp = self.folder / "tmp"
        (self.folder / "nginx.conf").write_text(
            f"""# nginx for the bench's WordPress (bench/peers/wordpress.py): Debian's
# nginx.conf and its example site for WordPress, on {HOST} only, no access log.
user www-data;
worker_processes auto;
pid {self.folder}/nginx.pid;
daemon off;

events {{
    worker_connections 768;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    access_log off;
    client_body_temp_path {tmp}/client_body;
    fastcgi_temp_path {tmp}/fastcgi;
    proxy_temp_path {tmp}/proxy;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;

    server {{
        listen {HOST}:{self.port};
        root {WORDPRESS};
        index index.php;

        location / {{
            try_files $uri $uri/ /index.php?$args;
        }}

        location ~ ^/wp-content/(.*)$ {{
            alias /var/lib/wordpress/wp-content/$1;
        }}

        location ~ \\.php$ {{
            # Debian's snippets/fastcgi-php.conf, with its include's full path.
            fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
            try_files $fastcgi_script_name =404;
            set $path_info $fastcgi_path_info;
            fastcgi_param PATH_INFO $path_info;
            fastcgi_index index.php;
            include /etc/nginx/fastcgi.conf;
            fastcgi_param WORDPRESS_CONFIG {self.config_name};
            fastcgi_pass unix:{self.folder}/php-fpm.sock;
        }}
    }}
}}
"""
        )
