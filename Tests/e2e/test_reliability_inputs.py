"""Malformed config and theme files: a precise message with the file and line, exit 2, terminal untouched.

Each case runs the real binary on a pseudo-terminal-less pipe and inside tmux (where it *could* draw):
it must refuse before curses starts, so the tmux pane never switches to the alternate screen.
"""
import os
import subprocess

import pytest

# (name, file text, expected line or None, a piece of the message)
CONFIGS = [
    ("unknown-top-key", "theme: default\nrefersh: 5\n", 2, 'unknown key "refersh" in the top level'),
    ("unknown-nested-key", "thresholds:\n  latency_warn: 30\n  latency_crit: 90\n", 3, 'unknown key "latency_crit"'),
    ("bad-yaml", "theme: default\nkeys: [stop, \n", 3, "not valid YAML"),
    ("tab-indent", "thresholds:\n\tlatency_warn: 3\n", 2, "not valid YAML"),
    ("wrong-type", "read_only: maybe\n", 1, "read_only must be true or false"),
    ("out-of-range", "refresh: 0\n", 1, "refresh must be between"),
    ("warn-above-critical", "thresholds:\n  latency_warn: 600\n  latency_critical: 60\n", 2, "is above latency_critical"),
    ("duplicate-key", "theme: default\ntheme: light\n", 2, 'duplicate key "theme"'),
    ("unknown-command", "keys:\n  explode: [e]\n", 2, 'unknown command "explode"'),
    ("bad-key-spec", "keys:\n  stop: [ctrl-ctrl-x]\n", 2, "cannot read key"),
    ("bad-webhook-format", "notifications:\n  webhooks:\n    - url: https://h.example.test/x\n      format: xml\n", 4, 'webhook format "xml"'),
    ("top-not-mapping", "- a\n- b\n", 1, "must be a mapping"),
    ("profile-unknown-key", "profiles:\n  prod: {colour: red}\n", 2, 'unknown key "colour" in a profile'),
    ("not-utf8", b"theme: \xff\xfe\n", None, "not UTF-8"),
    # Deep nesting overflowed Yams's stack (exit 139): bounded before parsing.
    ("deep-flow", "[" * 5000, 1, "nested more than 100 levels deep"),
    ("deep-block", "- " * 5000 + "x\n", 1, "nested more than 100 levels deep"),
]

THEMES = [
    ("unknown-role", "name: t\nroles:\n  text: {fg: default}\n  txet: {fg: red}\n", 4, "txet"),
    ("bad-colour", "name: t\nroles:\n  text: {fg: purpleish}\n", 3, "purpleish"),
    ("bad-hex", 'name: t\nroles:\n  text: {fg: "#12345"}\n', 3, "#12345"),
    ("colour-out-of-range", "name: t\nroles:\n  text: {fg: 256}\n", 3, "256"),
    ("bad-attribute", "name: t\nroles:\n  text: {fg: red, bold: sometimes}\n", 3, "`text.bold` must be true or false"),
    ("unknown-style-key", "name: t\nroles:\n  text: {fg: red, blink: true}\n", 3, "blink"),
    ("duplicate-role", "name: t\nroles:\n  text: {fg: red}\n  text: {fg: blue}\n", 4, "text"),
    ("missing-roles", "name: t\ndescription: nothing\n", 1, "missing `roles:`"),
    ("bad-yaml", "name: t\nroles:\n  text: {fg: red\n", None, "YAML"),
    ("empty", "", 1, "empty theme"),
    ("top-list", "- text\n", 1, "expected a mapping"),
    ("deep-flow", "[" * 5000, 1, "nested more than 100 levels deep"),
]


def run(bin, args, tmp_path):
    e = dict(os.environ)
    e.update({"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
              "TERM": "xterm-256color", "NO_COLOR": ""})
    return subprocess.run([str(bin), *args], capture_output=True, text=True, env=e, timeout=30, stdin=subprocess.DEVNULL)


def write(tmp_path, name, text):
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


@pytest.mark.parametrize("name,text,line,msg", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_malformed_config(dmswatch_bin, tmp_path, name, text, line, msg):
    p = write(tmp_path, f"{name}.yaml", text)
    r = run(dmswatch_bin, ["--demo", "--config", str(p)], tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    for sub in (["config", "check", "--config", str(p)], ["check", "--demo", "--config", str(p)]):
        r2 = run(dmswatch_bin, sub, tmp_path)
        assert r2.returncode == 2 and msg in r2.stderr, (sub, r2.returncode, r2.stderr[-300:])
    prefix = f"{p}:{line}: " if line else f"{p}: "
    assert prefix in r.stderr, r.stderr
    assert msg in r.stderr, r.stderr
    assert r.stdout == "", "nothing is drawn"
    assert r.stderr.count("\n") <= 3, "one precise message, not a dump"


@pytest.mark.parametrize("name,text,line,msg", THEMES, ids=[t[0] for t in THEMES])
def test_malformed_theme(dmswatch_bin, tmp_path, name, text, line, msg):
    p = write(tmp_path, f"{name}.yaml", text)
    r = run(dmswatch_bin, ["--demo", "--theme", str(p)], tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    if line:
        assert f"{p}:{line}: " in r.stderr, r.stderr
    else:
        assert f"{p}" in r.stderr, r.stderr
    assert msg in r.stderr, r.stderr
    assert r.stdout == ""


def test_malformed_theme_from_config(dmswatch_bin, tmp_path):
    theme = write(tmp_path, "t.yaml", "name: t\nroles:\n  text: {fg: nope}\n")
    cfg = write(tmp_path, "c.yaml", f"theme: {theme}\n")
    r = run(dmswatch_bin, ["--demo", "--config", str(cfg)], tmp_path)
    assert r.returncode == 2
    assert f"{theme}:3: " in r.stderr, r.stderr


def test_malformed_files_never_touch_the_terminal(dmswatch_bin, tmux, tmp_path):
    """Inside a real terminal: still refused before curses starts (no alternate screen, no escape output)."""
    bad_cfg = write(tmp_path, "c.yaml", "refersh: 5\n")
    bad_theme = write(tmp_path, "t.yaml", "name: t\nroles:\n  text: {fg: nope}\n")
    out = tmp_path / "out.txt"
    tmux.start(f"{dmswatch_bin} --demo --config {bad_cfg} > {out}; {dmswatch_bin} --demo --theme {bad_theme} >> {out}",
               env={"XDG_STATE_HOME": str(tmp_path / "s"), "TERM": "xterm-256color"})
    screen = tmux.wait_text("EXIT=2")
    assert f"{bad_cfg}:1: unknown key" in screen
    assert f"{bad_theme}:3: " in screen
    assert tmux.display("#{alternate_on}") == "0"
    assert out.read_bytes() == b"", "nothing was written to the terminal's output"
