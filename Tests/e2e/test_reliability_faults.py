"""Network and AWS faults between dmswatch and the DMS peer, injected by faultproxy.

One peer, one proxy and one dashboard for the module; each test sets one fault on
DescribeReplicationTasks (the TASKS pane), checks the dashboard under it, clears it and
checks that the dashboard recovers by itself:
  - the TASKS pane shows the error ("! ...") and keeps the last data (task rows, STALE),
  - keys are answered within 100 ms (`?` → help on screen),
  - the client retried within its budget (3 attempts a poll),
  - memory stays bounded,
  - after the fault stops the error goes away without a key press.
"""
import os
import subprocess
import time

import pytest

pytest.importorskip("boto3")
pytest.importorskip("moto")

import faultproxy as fp  # noqa: E402
from tmuxlib import Tmux  # noqa: E402

TASKS_OP = "DescribeReplicationTasks"

# fault → a piece of the message the TASKS pane must show (case-insensitive; None: any error).
FAULTS = [
    ("throttle", "throttl"),
    ("500", None),
    ("503", None),
    ("slow", "time"),
    ("reset", None),
    ("truncated", None),
    ("malformed", None),
    ("html", None),
    ("content_type", None),
    ("empty", None),
    ("marker_loop", "marker"),
]


@pytest.fixture(scope="module")
def rig(dmswatch_bin, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    peer = fp.Peer(tmp)
    proxy = fp.FaultProxy(peer.port, max_seconds=600).start()
    tmux = Tmux(tmp)
    env = fp.aws_env(tmp)
    tmux.start(f"{fp.UNSET_AWS} {dmswatch_bin} --endpoint-url http://127.0.0.1:{proxy.port} --region us-east-1 "
               f"--timeout 2 --connect-timeout 1 --refresh 1", width=120, height=40, env=env)
    try:
        tmux.wait_for(lambda s: "task-0" in s and "running" in s, timeout=40)
        pid = fp.child_pid(tmux.pane_pid())
        yield {"peer": peer, "proxy": proxy, "tmux": tmux, "pid": pid, "rss0": fp.rss_kib(pid), "tmp": tmp}
    finally:
        tmux.kill()
        proxy.stop()
        peer.stop()


def healthy(screen):
    top, _ = fp.frame_lines(screen, "TASKS")
    return "task-0" in screen and fp.pane_error(screen, "TASKS") is None and "STALE" not in top


@pytest.mark.parametrize("fault,expect", FAULTS)
def test_fault_shows_error_keeps_data_and_recovers(rig, fault, expect):
    tmux, proxy, pid = rig["tmux"], rig["proxy"], rig["pid"]
    tmux.wait_for(healthy, timeout=30)
    before = proxy.count(TASKS_OP)
    proxy.set_fault(fault, ops={TASKS_OP})
    t0 = time.monotonic()
    try:
        if fault == "slow":
            # Requests are hanging in the proxy right now (one has arrived): keys must still be answered at once.
            tmux.wait_for(lambda s: proxy.count(TASKS_OP) > before, timeout=10)
            med, all_ = fp.median_latency(tmux)
            assert med <= 0.1, f"keys answered in {all_} s while requests hang"
        screen = tmux.wait_for(lambda s: fp.pane_error(s, "TASKS") is not None, timeout=40)
        err = fp.pane_error(screen, "TASKS")
        if expect:
            assert expect in err.lower(), f"{fault}: pane error {err!r}"
        # The last data is kept, marked STALE once it is old.
        # STALE comes after 3 task-list intervals, and the interval stretches while throttled (AIMD).
        screen = tmux.wait_for(lambda s: "STALE" in fp.frame_lines(s, "TASKS")[0], timeout=45)
        assert "task-0" in screen and "task-1" in screen, screen
        if fault == "throttle":
            assert "THROTTLED" in screen.splitlines()[0], screen.splitlines()[0]
        # Responsive under the fault.
        med, all_ = fp.median_latency(tmux)
        assert med <= 0.1, f"{fault}: keys answered in {all_} s"
        # Retried within the budget: at most 3 attempts per poll (plus pages), not a storm.
        elapsed = time.monotonic() - t0
        attempts = proxy.count(TASKS_OP) - before
        assert attempts >= 2, f"{fault}: no retry ({attempts} requests in {elapsed:.1f}s)"
        assert attempts <= 6 * (elapsed + 1), f"{fault}: {attempts} requests in {elapsed:.1f}s"
        assert os.path.exists(f"/proc/{pid}"), "dmswatch died"
    finally:
        proxy.clear()
    # Recovers on its own.
    tmux.wait_for(healthy, timeout=30)
    rss = fp.rss_kib(pid)
    assert rss < rig["rss0"] + 64 * 1024, f"RSS grew from {rig['rss0']} to {rss} KiB"


def test_fault_storm_on_every_operation(rig):
    """Every operation failing at once (throttling on all services), then recovery; memory and fds bounded."""
    tmux, proxy, pid = rig["tmux"], rig["proxy"], rig["pid"]
    tmux.wait_for(healthy, timeout=30)
    fds0 = fp.fd_count(pid)
    for fault in ("throttle", "reset", "503"):
        proxy.set_fault(fault)
        try:
            if fault == "throttle":
                # Throttled everywhere, the poller backs off (adaptive rate): the header says THROTTLED and
                # STALE, the task list is kept on screen, each task once; the pane error may wait for a token.
                screen = tmux.wait_for(lambda s: "THROTTLED" in s.splitlines()[0] and "STALE" in s.splitlines()[0]
                                       and "task-0" in s, timeout=40)
                assert sum(1 for l in screen.splitlines() if l.startswith("│  task-0 ")) == 1, screen
            else:
                tmux.wait_for(lambda s: fp.pane_error(s, "TASKS") is not None, timeout=40)
            med, all_ = fp.median_latency(tmux)
            assert med <= 0.1, f"{fault} everywhere: keys answered in {all_} s"
        finally:
            proxy.clear()
        tmux.wait_for(healthy, timeout=30)
    assert fp.fd_count(pid) <= fds0 + 8, f"file descriptors: {fds0} → {fp.fd_count(pid)}"
    assert fp.rss_kib(pid) < rig["rss0"] + 64 * 1024


def _has_check(dmswatch_bin):
    r = subprocess.run([str(dmswatch_bin), "check", "--help"], capture_output=True, text=True, timeout=20)
    return r.returncode == 0 and "check" in r.stdout.lower()


@pytest.mark.parametrize("fault", ["throttle", "503", "reset", "html", "malformed", "marker_loop"])
def test_check_exits_3_with_clear_message_under_fault(dmswatch_bin, rig, fault):
    if not _has_check(dmswatch_bin):
        pytest.fail("dmswatch check does not exist in this tree")
    proxy = rig["proxy"]
    proxy.set_fault(fault, ops={TASKS_OP})
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(fp.aws_env(rig["tmp"]))
        t0 = time.monotonic()
        r = subprocess.run([str(dmswatch_bin), "check", "--endpoint-url", f"http://127.0.0.1:{proxy.port}",
                            "--region", "us-east-1", "--timeout", "2", "--connect-timeout", "1"],
                           capture_output=True, text=True, env=env, timeout=90, stdin=subprocess.DEVNULL)
    finally:
        proxy.clear()
    assert r.returncode == 3, (r.returncode, r.stdout, r.stderr)
    msg = (r.stderr + r.stdout).lower()
    assert "describereplicationtasks" in msg or "replication tasks" in msg, msg
    assert "\x1b[" not in r.stdout
    assert time.monotonic() - t0 < 60
