"""Bad input gets a clear message and a non-zero exit before the terminal is touched."""
import os
import subprocess


def run(bin, *args, env=None, tmp_path=None):
    e = dict(os.environ)
    e.update({"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "TERM": "xterm-256color"})
    e.update(env or {})
    return subprocess.run([str(bin), *args], capture_output=True, text=True, env=e, timeout=30, stdin=subprocess.DEVNULL)


def test_bad_config_reports_line_and_exits_2(dmswatch_bin, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("theme: default\nthresholds:\n  latency_wran: 3\n")
    r = run(dmswatch_bin, "--demo", "--config", str(cfg), tmp_path=tmp_path)
    assert r.returncode == 2, r
    assert f"{cfg}:3: unknown key \"latency_wran\"" in r.stderr
    assert "\x1b[" not in r.stdout, "the terminal was not touched"


def test_missing_explicit_config_exits_2(dmswatch_bin, tmp_path):
    r = run(dmswatch_bin, "--demo", "--config", str(tmp_path / "nope.yaml"), tmp_path=tmp_path)
    assert r.returncode == 2
    assert "file not found" in r.stderr


def test_unknown_theme_exits_2(dmswatch_bin, tmp_path):
    r = run(dmswatch_bin, "--demo", "--theme", "no-such-theme", tmp_path=tmp_path)
    assert r.returncode == 2
    assert "no-such-theme" in r.stderr


def test_no_terminal_is_refused_clearly(dmswatch_bin, tmp_path):
    r = run(dmswatch_bin, "--demo", tmp_path=tmp_path)
    assert r.returncode == 2
    assert "must be a terminal" in r.stderr
    assert r.stdout == ""


def test_dumb_terminal_is_refused(dmswatch_bin, tmux, tmp_path):
    tmux.start(f"TERM=dumb {dmswatch_bin} --demo", env={"XDG_STATE_HOME": str(tmp_path / "s")})
    screen = tmux.wait_text("EXIT=2")
    assert "dumb" in screen.lower()


def test_info_prints_paths(dmswatch_bin, tmp_path):
    r = run(dmswatch_bin, "info", tmp_path=tmp_path)
    assert r.returncode == 0
    assert str(tmp_path / "cfg" / "dmswatch" / "config.yaml") in r.stdout
    assert str(tmp_path / "state" / "dmswatch" / "audit.log") in r.stdout
