"""End-to-end tests of `dmswatch check` and `dmswatch config check` against the real binary.

Loopback only: the demo fleet needs no network; the "AWS unreachable" case points --endpoint-url at a
closed port on 127.0.0.1.
"""
import json
import re
import os
import socket
import subprocess
import time

import pytest


def base_env(tmp_path, **extra):
    """A clean environment: no real AWS config or credentials, no NOTIFIER_URL, state and config in tmp."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("NOTIFIER_URL", "DMSWATCH_CONFIG")}
    env.update({
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "*",
        "no_proxy": "*",
    })
    env.pop("HTTP_PROXY", None)
    env.pop("HTTPS_PROXY", None)
    env.pop("http_proxy", None)
    env.pop("https_proxy", None)
    env.update(extra)
    return env


def run_check(binary, tmp_path, *args, env=None, timeout=120):
    e = env if env is not None else base_env(tmp_path)
    return subprocess.run([str(binary), *args], env=e, capture_output=True, text=True, timeout=timeout)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report_json(binary, tmp_path, *args):
    p = run_check(binary, tmp_path, "check", "--demo", "--json", *args)
    assert p.returncode in (0, 1), p.stderr
    return p, json.loads(p.stdout)


# MARK: report and exit codes

def test_demo_human_report_exits_1_on_critical(dmswatch_bin, tmp_path):
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo")
    assert p.returncode == 1, p.stderr
    # 12 tasks and 4 serverless replications in the default demo fleet.
    assert p.stdout.startswith("dmswatch check: 16 tasks")
    assert "TASK" in p.stdout and "HEALTH" in p.stdout and "CRITICAL" in p.stdout
    assert all(ord(c) < 128 for c in p.stdout), "the human report is ASCII"


def test_demo_json_parses_with_documented_fields(dmswatch_bin, tmp_path):
    p, r = report_json(dmswatch_bin, tmp_path)
    assert p.returncode == 1
    assert set(r) == {"schemaVersion", "generatedAt", "source", "tasks", "summary", "missingTasks", "scopes"}
    assert [s["scope"]["id"] for s in r["scopes"]] == ["demo/us-east-1"] and r["scopes"][0].get("error") is None
    assert r["schemaVersion"] == 1
    assert r["source"].startswith("demo")
    assert r["summary"]["tasks"] == len(r["tasks"]) == 16
    assert sum(t.get("kind") == "serverless" for t in r["tasks"]) == 4
    assert r["summary"]["critical"] >= 1
    assert [t["identifier"] for t in r["tasks"]] == sorted(t["identifier"] for t in r["tasks"])
    for t in r["tasks"]:
        assert {"identifier", "arn", "status", "migrationType", "severity", "findings", "readiness", "hints", "scope"} <= set(t)
        assert [c["name"] for c in t["readiness"]["criteria"]] == [
            "tables_completed", "task_running", "cdc_latency", "validation", "no_missing_duplicate", "no_recent_errors",
            "row_counts_match"]
        # Not reconciled: unknown, so never READY.
        assert t["readiness"]["criteria"][-1]["passed"] is None and t["readiness"]["ready"] is False
        for f in t["findings"]:
            assert f["event"].startswith("dms.") and f["severity"] in ("unknown", "warn", "critical")


def test_fail_on_warn_and_healthy_subset(dmswatch_bin, tmp_path):
    _, r = report_json(dmswatch_bin, tmp_path)
    no_critical = [t["identifier"] for t in r["tasks"] if all(f["severity"] != "critical" for f in t["findings"])]
    with_warn = [t["identifier"] for t in r["tasks"] if any(f["severity"] == "warn" for f in t["findings"])
                 and all(f["severity"] != "critical" for f in t["findings"])]
    assert no_critical, "the demo fleet has tasks without critical findings"
    args = [a for name in no_critical for a in ("--task", name)]
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", *args)
    assert p.returncode == 0, p.stdout + p.stderr
    if with_warn:
        p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--fail-on", "warn", "--task", with_warn[0])
        assert p.returncode == 1, p.stdout + p.stderr


def test_unknown_task_fails_the_check_unless_allowed_and_others_are_checked(dmswatch_bin, tmp_path):
    _, r = report_json(dmswatch_bin, tmp_path)
    clean = [t for t in r["tasks"] if not t["findings"]]
    assert clean
    p, r2 = report_json(dmswatch_bin, tmp_path, "--task", "ghost-task", "--task", clean[0]["arn"])
    assert p.returncode == 1, "a task named explicitly that does not exist was not checked: exit 1"
    assert r2["missingTasks"] == ["ghost-task"]
    assert [t["identifier"] for t in r2["tasks"]] == [clean[0]["identifier"]]
    assert "ghost-task" in p.stderr
    p, r3 = report_json(dmswatch_bin, tmp_path, "--allow-missing", "--task", "ghost-task", "--task", clean[0]["arn"])
    assert p.returncode == 0, "--allow-missing: a missing task is a warning; the default --fail-on is critical"
    assert r3["missingTasks"] == ["ghost-task"]
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--fail-on", "warn", "--task", "ghost-task", "--task", clean[0]["identifier"])
    assert p.returncode == 1
    assert "tasks not found: ghost-task" in p.stdout


def test_rerun_validation_with_the_simulator(dmswatch_bin, tmp_path):
    _, r = report_json(dmswatch_bin, tmp_path)
    candidates = [t for t in r["tasks"] if t["status"] == "running"
                  and any(f["event"] == "dms.table.validation_pending" for f in t["findings"])]
    assert candidates, "the demo fleet has running tasks with pending validation"
    task = min(candidates, key=lambda t: len(t["findings"]))
    pending_before = {f["table"] for f in task["findings"] if f["event"] == "dms.table.validation_pending"}
    start = time.monotonic()
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--json", "--task", task["identifier"], "--rerun-validation",
                  "--wait", "90", "--poll-interval", "2")
    elapsed = time.monotonic() - start
    assert p.returncode in (0, 1), p.stderr
    assert "revalidation:" in p.stderr and "0 still pending" in p.stderr, p.stderr
    assert elapsed < 90
    after = json.loads(p.stdout)["tasks"][0]
    pending_after = {f["table"] for f in after["findings"] if f["event"] == "dms.table.validation_pending"}
    assert not (pending_before & pending_after), pending_after
    audit = (tmp_path / "state" / "dmswatch" / "audit.log").read_text()
    assert "validate-only reload" in audit and task["identifier"] in audit


# MARK: usage and configuration errors exit 2

@pytest.mark.parametrize("args", [
    ["--fail-on", "bogus"],
    ["--fail-on", "ok"],
    ["--wait", "soon"],
    ["--wait", "-1"],
    ["--webhook-format", "xml"],
    ["--webhook", "ftp://127.0.0.1/x"],
    ["--sns-topic", "not-an-arn"],
    ["--max-time", "0"],
    ["--no-such-flag"],
    ["--task"],
    ["--demo-tasks", "0"],
    ["--demo-tasks", "many"],
    ["--config", "/nonexistent/dmswatch.yaml"],
])
def test_usage_errors_exit_2(dmswatch_bin, tmp_path, args):
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", *args)
    assert p.returncode == 2, (args, p.returncode, p.stderr)
    assert p.stderr.strip(), "a clear message on stderr"
    assert p.stdout == ""


def test_bad_config_file_exits_2_with_line(dmswatch_bin, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("region: us-east-1\nthresholds:\n  latency_warn: 60\n  treshold: 5\n")
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--config", str(cfg))
    assert p.returncode == 2
    assert f"{cfg}:4:" in p.stderr and "treshold" in p.stderr, p.stderr


def test_config_tasks_and_thresholds_are_used(dmswatch_bin, tmp_path):
    _, r = report_json(dmswatch_bin, tmp_path)
    names = [t["identifier"] for t in r["tasks"]][:2]
    cfg = tmp_path / "c.yaml"
    cfg.write_text("tasks:\n" + "".join(f"  - {n}\n" for n in names) + "  - not-a-task\n")
    p, r2 = report_json(dmswatch_bin, tmp_path, "--config", str(cfg))
    assert [t["identifier"] for t in r2["tasks"]] == sorted(names)
    assert r2["missingTasks"] == ["not-a-task"]
    assert p.returncode == 1, "a task the config names that does not exist fails the check"


def test_aws_unreachable_exits_3(dmswatch_bin, tmp_path):
    port = free_port()  # nothing listens there
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    start = time.monotonic()
    p = run_check(dmswatch_bin, tmp_path, "check", "--region", "us-east-1", "--endpoint-url", f"http://127.0.0.1:{port}",
                  "--connect-timeout", "1", "--timeout", "2", env=env, timeout=60)
    assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
    assert p.stderr.strip()
    assert "wJalrXUtnFEMI" not in p.stderr
    assert time.monotonic() - start < 45


def test_no_region_is_a_config_error(dmswatch_bin, tmp_path):
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY="x")
    p = run_check(dmswatch_bin, tmp_path, "check", env=env, timeout=60)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "region" in p.stderr


# MARK: config check

def test_config_check_ok_and_errors(dmswatch_bin, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "region: eu-west-1\ntheme: default\nrefresh: 5\nthresholds:\n  latency_warn: 30\n"
        "notifications:\n  webhooks:\n    - url: http://127.0.0.1:9/hook\n      format: compat\n"
        "keys:\n  refresh: F5\n")
    p = run_check(dmswatch_bin, tmp_path, "config", "check", "--config", str(good))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"config OK: {good}"

    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("region: eu-west-1\nthresholds:\n  latency_warn: [1,\n")
    p = run_check(dmswatch_bin, tmp_path, "config", "check", "--config", str(bad_yaml))
    assert p.returncode == 2
    assert str(bad_yaml) in p.stderr and "YAML" in p.stderr

    unknown_key = tmp_path / "unknown.yaml"
    unknown_key.write_text("region: eu-west-1\n\nrefesh: 5\n")
    p = run_check(dmswatch_bin, tmp_path, "config", "check", "--config", str(unknown_key))
    assert p.returncode == 2
    assert f"{unknown_key}:3:" in p.stderr and "refesh" in p.stderr

    bad_theme = tmp_path / "theme.yaml"
    bad_theme.write_text("region: eu-west-1\ntheme: no-such-theme-xyz\n")
    p = run_check(dmswatch_bin, tmp_path, "config", "check", "--config", str(bad_theme))
    assert p.returncode == 2
    assert f"{bad_theme}:2:" in p.stderr and "no-such-theme-xyz" in p.stderr

    clash = tmp_path / "keys.yaml"
    clash.write_text("keys:\n  refresh: x\n  stop: x\n")
    p = run_check(dmswatch_bin, tmp_path, "config", "check", "--config", str(clash))
    assert p.returncode == 2
    assert "given to both" in p.stderr

    p = run_check(dmswatch_bin, tmp_path, "config", "check", "--config", str(tmp_path / "missing.yaml"))
    assert p.returncode == 2
    assert "not found" in p.stderr

    p = run_check(dmswatch_bin, tmp_path, "config", "check", "--bogus")
    assert p.returncode == 2


def test_max_time_bounds_a_silent_aws(dmswatch_bin, tmp_path):
    """An endpoint that accepts connections and never answers: --max-time ends the run with exit 3."""
    import threading
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    port = srv.getsockname()[1]
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                c, _ = srv.accept()
                held.append(c)
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        env = base_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY="x")
        start = time.monotonic()
        p = run_check(dmswatch_bin, tmp_path, "check", "--region", "us-east-1", "--endpoint-url", f"http://127.0.0.1:{port}",
                      "--timeout", "60", "--max-time", "3", env=env, timeout=60)
        elapsed = time.monotonic() - start
        assert p.returncode == 3, (p.returncode, p.stderr)
        assert "--max-time 3 s exceeded" in p.stderr
        assert elapsed < 15
        assert held, "the binary did connect to the silent endpoint"
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        srv.close()
