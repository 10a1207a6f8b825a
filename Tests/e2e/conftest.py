import os
import shutil
import subprocess
import pathlib
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _binary():
    env = os.environ.get("DMSWATCH_BIN")
    if env:
        return pathlib.Path(env)
    return ROOT / ".build" / "debug" / "dmswatch"


@pytest.fixture(scope="session")
def dmswatch_bin():
    b = _binary()
    if not b.exists():
        subprocess.run(["swift", "build", "--product", "dmswatch"], cwd=ROOT, check=True)
    assert b.exists(), f"dmswatch binary not found at {b}"
    return b


@pytest.fixture
def tmux(tmp_path):
    from tmuxlib import Tmux
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: run scripts/setup.sh test")
    t = Tmux(tmp_path)
    yield t
    t.kill()
