"""Hostile names and text from AWS are displayed safely (dmswatch → DMS peer, real terminal in tmux).

Table names, event messages, log lines and a task identifier carry escape sequences (SGR, OSC title,
clear screen, cursor moves), C0/C1 controls, bidi overrides, very long strings and wide/combining
characters. None of it may drive the terminal, and the frames must stay aligned.
"""
import json
import re
import time
import unicodedata

import pytest

pytest.importorskip("boto3")
pytest.importorskip("moto")

import faultproxy as fp  # noqa: E402

HOSTILE = [
    "red\x1b[31mRED\x1b[0m",
    "title\x1b]0;pwned\x07x",
    "clear\x1b[2J\x1b[Hx",
    "move\x1b[10;10Hx\x1b[5A",
    "c1\u009b31mx\u009d0;pwned\u009c",
    "cr\rback\bbell\x07tab\tx",
    "bidi\u202egnirts\u202c\u2066x\u2069",
    "wide日本語テーブル名",
    "emoji🔥🔥x",
    "comb" + "e\u0301\u0301\u0301" * 3,
    "long" + "x" * 3000,
]
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def cell_width(s):
    w = 0
    for ch in s:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


@pytest.fixture
def hostile_peer(tmp_path):
    now = time.time()
    scenario = {
        "table_statistics": {"task-0": [
            {"SchemaName": "dbo", "TableName": f"{i:02d}{name}", "Inserts": i, "AppliedInserts": i,
             "FullLoadRows": 10, "TableState": "Table completed", "ValidationState": "Not enabled",
             "LastUpdateTime": now}
            for i, name in enumerate(HOSTILE)]},
        "events": [{"SourceIdentifier": "task-0", "SourceType": "replication-task", "Message": f"event {name}",
                    "EventCategories": ["state change"], "Date": now - 60 + i} for i, name in enumerate(HOSTILE)],
    }
    peer = fp.Peer(tmp_path, scenario=scenario)
    logs = peer.client("logs")
    base = int(time.time() * 1000) - 5_000
    logs.put_log_events(logGroupName=peer.seed["log_group"], logStreamName=peer.seed["log_stream"], logEvents=[
        {"timestamp": base + i, "message": f"2026-11-23T10:10:{i:02d} [TARGET_APPLY    ]E:  log {name} (apply.c:{i})"}
        for i, name in enumerate(HOSTILE)])
    dms = peer.client("dms")
    evil_task = None
    try:
        t = dms.create_replication_task(
            ReplicationTaskIdentifier="zz-evil\x1b]0;pwned\x07\x1b[2J\u202e", SourceEndpointArn=peer.seed["source"],
            TargetEndpointArn=peer.seed["target"], ReplicationInstanceArn=peer.seed["instances"][0],
            MigrationType="cdc", TableMappings=json.dumps({"rules": []}))
        evil_task = t["ReplicationTask"]["ReplicationTaskArn"]
    except Exception:  # the peer may refuse such an identifier; the other fields still carry the payloads
        pass
    yield peer, evil_task
    peer.stop()


def test_hostile_text_never_reaches_the_terminal(dmswatch_bin, tmux, tmp_path, hostile_peer):
    peer, evil_task = hostile_peer
    env = fp.aws_env(tmp_path, NO_COLOR="1")
    tmux.start(f"{fp.UNSET_AWS} {dmswatch_bin} --endpoint-url {peer.url} --region us-east-1 --timeout 5 --refresh 1",
               width=120, height=40, env=env)
    title0 = tmux.display("#{pane_title}")
    screen = tmux.wait_for(lambda s: "task-0" in s and "00red" in s and "log long" in s, timeout=40)
    screen = tmux.wait_app_seconds(3)  # several refreshes with the hostile data
    lines = screen.split("\n")[:40]

    # Data text is shown, with the controls replaced, not interpreted.
    assert "00red" in screen and "RED" in screen
    assert "\u202e" not in screen and "\u2066" not in screen, "bidi overrides are not passed through"
    assert "pwned" not in tmux.display("#{pane_title}") and tmux.display("#{pane_title}") == title0, "OSC from data set the title"
    assert tmux.display("#{alternate_on}") == "1"
    # The frames are intact: every frame line is exactly 120 cells and closed on the right.
    frame_lines = [l for l in lines if l[:1] in ("┌", "└", "│")]
    assert len(frame_lines) >= 30, screen
    for l in frame_lines:
        assert cell_width(l) == 120, f"width {cell_width(l)}:\n{l!r}\n{screen}"
        assert l.rstrip()[-1:] in ("┐", "┘", "│"), f"frame not closed:\n{l!r}"
    # The screen still has its header on top and the hint bar at the bottom (no clear/cursor move from data).
    assert lines[0].startswith(" dmswatch"), lines[0]
    assert "? help" in lines[39], lines[39]
    # With NO_COLOR any colour SGR on screen could only come from data.
    raw = tmux.cmd("capture-pane", "-p", "-e", "-t", tmux.session).stdout
    colours = [m.group(0) for m in SGR.finditer(raw)
               if any(p and int(p) not in (39, 49) and (30 <= int(p) <= 49 or 90 <= int(p) <= 107)
                      for p in re.split("[;:]", m.group(1)))]
    assert colours == [], colours[:5]
    if evil_task:
        assert "zz-evil" in screen

    # The wide, emoji, combining and long table names at the bottom of TABLES: still aligned.
    tmux.send("Tab")
    tmux.send("G")
    screen = tmux.wait_for(lambda s: "wide" in s and "emoji" in s and "comb" in s, timeout=10)
    for l in [l for l in screen.split("\n")[:40] if l[:1] in ("┌", "└", "│")]:
        assert cell_width(l) == 120, f"width {cell_width(l)}:\n{l!r}\n{screen}"
    assert tmux.display("#{pane_title}") == title0

    # Still responsive with the hostile rows in view.
    med, xs = fp.median_latency(tmux)
    assert med <= 0.1, xs
    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)
    assert tmux.display("#{alternate_on}") == "0"
    assert tmux.display("#{pane_title}") == title0
