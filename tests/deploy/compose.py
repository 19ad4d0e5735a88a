"""docker-compose.yml read as the topology test runs it, so the two cannot drift.

``service_command`` turns a service's command into the one run natively (the
checkout's virtualenv instead of the image's), and ``app_environment`` the
environment the app services share, with the compose-only values (hosts,
network, paths inside the containers) given their native counterparts.
"""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
APP_SERVICES = ("migrate", "web", "worker", "backup")


def load() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def service_command(name: str, compose: dict | None = None) -> list[str]:
    """The service's command, run from the checkout with this interpreter."""
    command = list((compose or load())["services"][name]["command"])
    bin_dir = Path(sys.executable).parent
    if command[:2] == ["sh", "-c"]:
        script = re.sub(r"(?<![/\w])python(?= )", sys.executable, command[2])
        return ["sh", "-c", script]
    if command[0] == "python":
        return [sys.executable, *command[1:]]
    return [str(bin_dir / command[0]), *command[1:]]


_REF = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def _fill(match: re.Match, values: dict[str, str]) -> str:
    name, kind, default = match.groups()
    if name in values:
        return values[name]
    if kind == "-":
        return default
    return match.group(0)


def app_environment(values: dict[str, str], compose: dict | None = None) -> dict[str, str]:
    """The app services' environment with ${VAR} filled from `values`, then
    `values` overriding keys of the same name (e.g. DATABASE_URL, TRUSTED_PROXIES)."""
    env = (compose or load())["services"]["web"]["environment"]
    filled = {}
    for key, value in env.items():
        filled[key] = _REF.sub(lambda m: _fill(m, values), str(value))
    return {**filled, **{k: v for k, v in values.items() if k in filled}}
