"""docker-compose.yml is valid (checked where a docker client is installed)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client on this machine")
def test_docker_compose_config_is_valid():
    result = subprocess.run(
        ["docker", "compose", "config", "--quiet"],  # noqa: S607
        cwd=ROOT,
        env={"SECRET_KEY": "x", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "unknown command" in result.stderr or "is not a docker command" in result.stderr:
        pytest.skip("docker client has no compose plugin")
    assert result.returncode == 0, result.stderr
