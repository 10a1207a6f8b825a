"""`dmswatch reconcile` end to end: moto endpoints (DescribeEndpoints) whose passwords are in moto's Secrets
Manager, pointing at real PostgreSQL and MariaDB servers on 127.0.0.1 (started once for this module,
Tests/e2e/dbservers.py), seeded with matching and differing tables, validation-failure rows, a slow view."""
import datetime
import decimal
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

import dbservers
from test_check import base_env, free_port

PEER = pathlib.Path(__file__).resolve().parent / "peer"
RO_PG = "ro-pass-pg-1"
RO_MY = "ro-pass-my-2"
ROLE = "arn:aws:iam::123456789012:role/dms-secrets"


def orders_rows(n=500):
    base = datetime.datetime(2026, 1, 1, 0, 0, 0)
    rows = []
    for g in range(1, n + 1):
        ts = base + datetime.timedelta(seconds=g * 61, microseconds=(g * 123457) % 1000000)
        amount = decimal.Decimal(g * 37 % 10000) / 100
        note = None if g % 7 == 0 else f"note {g} é"
        rows.append((g, f"cust-{g % 37}", amount, ts.strftime("%Y-%m-%d %H:%M:%S.%f"), g % 3 == 0, note,
                     (base.date() + datetime.timedelta(days=g % 400)).isoformat()))
    return rows


def lit(v, boolean="pg"):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return ("true" if v else "false") if boolean == "pg" else ("1" if v else "0")
    if isinstance(v, (int, decimal.Decimal)):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def values(rows, boolean="pg"):
    return ",".join("(" + ",".join(lit(v, boolean) for v in r) + ")" for r in rows)


VALIDATION_PG = """
CREATE TABLE public.awsdms_validation_failures_v1 ("TASK_NAME" varchar(128) NOT NULL, "TABLE_OWNER" varchar(128) NOT NULL,
  "TABLE_NAME" varchar(128) NOT NULL, "FAILURE_TIME" timestamp NOT NULL, "KEY_TYPE" varchar(128) NOT NULL, "KEY" text NOT NULL,
  "FAILURE_TYPE" varchar(128) NOT NULL, "DETAILS" text NOT NULL);
INSERT INTO public.awsdms_validation_failures_v1 VALUES
 ('pg-to-pg','shop','customers','2026-11-30 10:00:00','Row','{"key": ["42"]}','RECORD_DIFF','[[{''email'': ''c42@x''}], [{''email'': ''changed@x''}]]'),
 ('pg-to-pg','shop','items','2026-11-30 10:00:01','Row','{"key": ["10"]}','MISSING_TARGET',''),
 ('pg-to-pg','shop','events','2026-11-30 10:00:02','Row','{"key": ["101"]}','MISSING_SOURCE',''),
 ('pg-to-pg','shop','nopk','2026-11-30 10:00:03','Table','{"key": []}','TABLE_WARNING','Table has no primary key'),
 ('other-task','shop','orders','2026-11-30 10:00:04','Row','{"key": ["1"]}','RECORD_DIFF','not ours');
"""


def seed_pg(pg):
    pg.psql("postgres", "CREATE DATABASE app")
    pg.psql("postgres", "CREATE DATABASE tgt")
    pg.psql("postgres", f"CREATE ROLE dmswatch_ro LOGIN PASSWORD '{RO_PG}'")
    orders = values(orders_rows())
    common = f"""
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id bigint PRIMARY KEY, customer text, amount numeric(10,2), placed_at timestamp(6), shipped boolean,
  note text, day date, weight double precision);
INSERT INTO shop.orders (id, customer, amount, placed_at, shipped, note, day) VALUES {orders};
CREATE TABLE shop.items (id int PRIMARY KEY, name varchar(40), qty int);
INSERT INTO shop.items SELECT g, 'item ' || g, g % 9 FROM generate_series(1, 300) g;
CREATE TABLE shop.customers (id int PRIMARY KEY, email text, score int);
INSERT INTO shop.customers SELECT g, 'c' || g || '@x', g * 3 FROM generate_series(1, 100) g;
CREATE TABLE shop.events (id bigint PRIMARY KEY, kind text);
INSERT INTO shop.events SELECT g, 'k' || (g % 5) FROM generate_series(1, 100) g;
CREATE TABLE shop.nopk (a int, b text);
INSERT INTO shop.nopk SELECT g, 'b' || g FROM generate_series(1, 50) g;
CREATE VIEW shop.slow AS SELECT 1 AS id FROM pg_sleep(4);
"""
    pg.psql("app", common)
    pg.psql("tgt", common + """
DELETE FROM shop.items WHERE id IN (10, 11, 12);
UPDATE shop.customers SET email = 'changed@x' WHERE id = 42;
INSERT INTO shop.events SELECT g, 'extra' FROM generate_series(101, 104) g;
""" + VALIDATION_PG)
    for db in ("app", "tgt"):
        pg.psql(db, f"GRANT CONNECT ON DATABASE {db} TO dmswatch_ro; GRANT USAGE ON SCHEMA shop TO dmswatch_ro; "
                    "GRANT SELECT ON ALL TABLES IN SCHEMA shop TO dmswatch_ro; GRANT SELECT ON ALL TABLES IN SCHEMA public TO dmswatch_ro;")
    # Every statement the servers see is logged with its user, so the test can check what dmswatch sent.
    pg.psql("postgres", "ALTER SYSTEM SET log_statement = 'all'")
    pg.psql("postgres", "ALTER SYSTEM SET log_line_prefix = '%m [%p] user=%u '")
    pg.psql("postgres", "SELECT pg_reload_conf()")


def seed_maria(my):
    orders = values([r[:7] for r in orders_rows()], boolean="my")
    my.sql("", f"""
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE DATABASE awsdms_control;
USE shop;
CREATE TABLE orders (id bigint PRIMARY KEY, customer varchar(100), amount decimal(10,2), placed_at datetime(6), shipped tinyint(1),
  note text, day date, weight double);
INSERT INTO orders (id, customer, amount, placed_at, shipped, note, day) VALUES {orders};
CREATE TABLE items (id int PRIMARY KEY, name varchar(40), qty int);
INSERT INTO items SELECT seq, CONCAT('item ', seq), seq % 9 FROM seq_1_to_300 WHERE seq <> 10;
CREATE VIEW slow AS SELECT SLEEP(4) AS id;
USE awsdms_control;
CREATE TABLE awsdms_validation_failures_v1 (TASK_NAME varchar(128) NOT NULL, TABLE_OWNER varchar(128) NOT NULL,
  TABLE_NAME varchar(128) NOT NULL, FAILURE_TIME datetime(6) NOT NULL, KEY_TYPE varchar(128) NOT NULL, `KEY` text NOT NULL,
  FAILURE_TYPE varchar(128) NOT NULL, DETAILS text NOT NULL);
INSERT INTO awsdms_validation_failures_v1 VALUES
 ('pg-to-maria','shop','items','2026-11-30 10:00:00','Row','{{"key": ["10"]}}','MISSING_TARGET','');
CREATE USER 'dmswatch_ro'@'%' IDENTIFIED BY '{RO_MY}';
GRANT SELECT ON shop.* TO 'dmswatch_ro'@'%';
GRANT SELECT ON awsdms_control.* TO 'dmswatch_ro'@'%';
SET GLOBAL general_log_file = '{my.root}/general.log';
SET GLOBAL general_log = 1;
""")


@pytest.fixture(scope="module")
def servers():
    why = dbservers.missing()
    if why:
        pytest.fail(f"{why}: run scripts/setup.sh test")
    root = tempfile.mkdtemp(prefix="dmsw-recon-")
    os.chmod(root, 0o755)
    pg = my = None
    try:
        pg = dbservers.Postgres(root).start()
        my = dbservers.MariaDB(root).start()
        seed_pg(pg)
        seed_maria(my)
        yield pg, my
    finally:
        for s in (pg, my):
            if s and s.pid:
                dbservers.stop_pid(s.pid)


def table_stats(task, names):
    return [{"SchemaName": "shop", "TableName": n, "Inserts": 0, "AppliedInserts": 0, "TableState": "Table completed"} for n in names]


@pytest.fixture(scope="module")
def peer(servers, tmp_path_factory):
    import boto3
    pg, my = servers
    tmp = tmp_path_factory.mktemp("peer")
    scenario = {"table_statistics": {
        "pg-to-pg": table_stats("pg-to-pg", ["orders", "items", "customers", "events", "nopk"]),
        "pg-to-maria": table_stats("pg-to-maria", ["orders", "items"]),
        "pg-badpass": table_stats("pg-badpass", ["orders"]),
        "pg-down": table_stats("pg-down", ["orders"]),
        "pg-slow": table_stats("pg-slow", ["slow"]),
        "maria-slow": table_stats("maria-slow", ["slow"]),
        "ora-task": table_stats("ora-task", ["orders"]),
        "pg-to-s3": table_stats("pg-to-s3", ["orders"]),
    }, "events": []}
    f = tmp / "scenario.json"
    f.write_text(json.dumps(scenario))
    port = free_port()
    log = open(tmp / "peer.log", "w")
    env = dict(os.environ, NO_PROXY="*", no_proxy="*")
    proc = subprocess.Popen([sys.executable, str(PEER / "dms_peer.py"), "--port", str(port), "--scenario", str(f)],
                            stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("peer did not start")
            time.sleep(0.1)
    url = f"http://127.0.0.1:{port}"
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    dms = boto3.client("dms", **kw)
    sm = boto3.client("secretsmanager", **kw)

    def secret(name, user, password, port_, db):
        return sm.create_secret(Name=name, SecretString=json.dumps(
            {"username": user, "password": password, "host": "127.0.0.1", "port": port_, "dbname": db}))["ARN"]

    closed = free_port()
    eps = {}

    def endpoint(ident, etype, engine, port_=None, db=None, secret_arn=None, **extra):
        args = dict(EndpointIdentifier=ident, EndpointType=etype, EngineName=engine, **extra)
        if port_:
            args.update(ServerName="127.0.0.1", Port=port_, DatabaseName=db, Username="dmswatch_ro")
        if secret_arn:
            key = "PostgreSQLSettings" if engine == "postgres" else "MySQLSettings"
            args[key] = {"SecretsManagerSecretId": secret_arn, "SecretsManagerAccessRoleArn": ROLE}
        eps[ident] = dms.create_endpoint(**args)["Endpoint"]["EndpointArn"]

    endpoint("src-pg", "source", "postgres", pg.port, "app", secret("src-pg", "dmswatch_ro", RO_PG, pg.port, "app"))
    endpoint("tgt-pg", "target", "postgres", pg.port, "tgt", secret("tgt-pg", "dmswatch_ro", RO_PG, pg.port, "tgt"))
    endpoint("tgt-maria", "target", "mariadb", my.port, "shop", secret("tgt-maria", "dmswatch_ro", RO_MY, my.port, "shop"))
    endpoint("src-maria", "source", "mariadb", my.port, "shop", secret("src-maria", "dmswatch_ro", RO_MY, my.port, "shop"))
    endpoint("bad-pass", "target", "postgres", pg.port, "tgt", secret("bad-pass", "dmswatch_ro", "wrong-password", pg.port, "tgt"))
    endpoint("down", "target", "postgres", closed, "tgt", secret("down", "dmswatch_ro", RO_PG, closed, "tgt"))
    endpoint("ora", "source", "oracle", 1521, "ORCL")
    endpoint("lake", "target", "s3", S3Settings={"BucketName": "lake-bucket", "BucketFolder": "dms/shopdb",
                                                 "ServiceAccessRoleArn": ROLE})
    inst = dms.create_replication_instance(ReplicationInstanceIdentifier="ri-1", ReplicationInstanceClass="dms.t3.micro")
    inst_arn = inst["ReplicationInstance"]["ReplicationInstanceArn"]
    mapping = json.dumps({"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "1",
                                     "object-locator": {"schema-name": "shop", "table-name": "%"}, "rule-action": "include"}]})
    for name, s, t in [("pg-to-pg", "src-pg", "tgt-pg"), ("pg-to-maria", "src-pg", "tgt-maria"), ("pg-badpass", "src-pg", "bad-pass"),
                       ("pg-down", "src-pg", "down"), ("pg-slow", "src-pg", "tgt-pg"), ("maria-slow", "src-maria", "tgt-pg"),
                       ("ora-task", "ora", "tgt-pg"), ("pg-to-s3", "src-pg", "lake")]:
        dms.create_replication_task(ReplicationTaskIdentifier=name, SourceEndpointArn=eps[s], TargetEndpointArn=eps[t],
                                    ReplicationInstanceArn=inst_arn, MigrationType="full-load", TableMappings=mapping)
    yield url
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


def reconcile(dmswatch_bin, tmp_path, url, *args, timeout=120, config=None):
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    cmd = [str(dmswatch_bin), "reconcile", "--region", "us-east-1", "--endpoint-url", url, "--recheck-delay", "0", *args]
    if config:
        p = tmp_path / "config.yaml"
        p.write_text(config)
        os.chmod(p, 0o600)
        cmd += ["--config", str(p)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def by_table(report, task):
    t = next(t for t in report["tasks"] if t["task"] == task)
    return t, {r["table"]: r for r in t["tables"]}


def test_counts_checksums_and_validation_rows_pg_to_pg(dmswatch_bin, tmp_path, peer):
    r = reconcile(dmswatch_bin, tmp_path, peer, "--task", "pg-to-pg", "--checksum", "--json")
    assert r.returncode == 1, r.stderr
    rep = json.loads(r.stdout)
    assert rep["exit_code"] == 1
    task, t = by_table(rep, "pg-to-pg")
    assert task["error"] is None
    # A matching table with NULLs, numerics, booleans, dates and microsecond timestamps.
    o = t["shop.orders"]
    assert (o["verdict"], o["source_rows"], o["target_rows"]) == ("MATCH", 500, 500)
    assert o["checksum"]["state"] == "done", o["checksum"]["reason"]
    assert o["checksum"]["missing_in_target"] == [] and o["checksum"]["different"] == []
    assert "weight (double precision: inexact)" in o["checksum"]["columns_left_out"]
    assert {"id", "customer", "amount", "placed_at", "shipped", "note", "day"} <= set(o["checksum"]["columns_compared"])
    # Rows missing in the target, found down to the keys.
    i = t["shop.items"]
    assert (i["verdict"], i["difference"], i["rechecked"]) == ("MISMATCH", 3, True)
    assert i["checksum"]["missing_in_target"] == ["10", "11", "12"]
    assert i["checksum"]["extra_in_target"] == [] and i["checksum"]["different"] == []
    # One changed row: counts equal, the checksum finds the key.
    c = t["shop.customers"]
    assert c["verdict"] == "MISMATCH" and c["difference"] == 0
    assert c["checksum"]["different"] == ["42"]
    # Extra rows in the target.
    e = t["shop.events"]
    assert e["verdict"] == "MISMATCH" and e["difference"] == -4
    assert e["checksum"]["extra_in_target"] == ["101", "102", "103", "104"]
    # No primary key: counts only, and the checksum says why.
    n = t["shop.nopk"]
    assert n["verdict"] == "MATCH" and n["checksum"]["state"] == "skipped" and "primary key" in n["checksum"]["reason"]
    # Validation failures of this task only, each type, attached to their tables.
    assert [(f["failure_type"], f["key"]) for f in c["validation_failures"]] == [("RECORD_DIFF", ["42"])]
    assert [f["failure_type"] for f in i["validation_failures"]] == ["MISSING_TARGET"]
    assert [f["failure_type"] for f in e["validation_failures"]] == ["MISSING_SOURCE"]
    assert [f["failure_type"] for f in n["validation_failures"]] == ["TABLE_WARNING"]
    assert all(f["details"] != "not ours" for tb in t.values() for f in tb["validation_failures"])
    assert task["validation_source"].startswith("public.awsdms_validation_failures_v1")
    # The bisection fetched few rows: a handful of segments, not the tables.
    assert i["checksum"]["rows_transferred"] < 200


def test_cross_engine_checksums_equal(dmswatch_bin, tmp_path, peer):
    r = reconcile(dmswatch_bin, tmp_path, peer, "--task", "pg-to-maria", "--checksum", "--json")
    rep = json.loads(r.stdout)
    task, t = by_table(rep, "pg-to-maria")
    assert task["error"] is None, task
    o = t["shop.orders"]
    assert o["verdict"] == "MATCH", o
    assert o["checksum"]["state"] == "done" and o["checksum"]["different"] == [] and o["checksum"]["missing_in_target"] == []
    assert {"amount", "placed_at", "shipped", "note", "day"} <= set(o["checksum"]["columns_compared"])
    assert t["shop.items"]["checksum"]["missing_in_target"] == ["10"]
    assert [f["failure_type"] for f in t["shop.items"]["validation_failures"]] == ["MISSING_TARGET"]
    assert task["validation_source"].startswith("awsdms_control.awsdms_validation_failures_v1")
    assert r.returncode == 1


def test_tables_glob_and_human_text(dmswatch_bin, tmp_path, peer):
    r = reconcile(dmswatch_bin, tmp_path, peer, "--task", "pg-to-pg", "--tables", "shop.ord*")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "MATCH       shop.orders" in r.stdout and "shop.items" not in r.stdout


def test_wrong_password_and_server_down_exit_3(dmswatch_bin, tmp_path, peer):
    r = reconcile(dmswatch_bin, tmp_path, peer, "--task", "pg-badpass", "--json")
    assert r.returncode == 3, r.stdout + r.stderr
    task = json.loads(r.stdout)["tasks"][0]
    assert "authentication failed" in task["error"]
    assert "wrong-password" not in r.stdout + r.stderr
    r = reconcile(dmswatch_bin, tmp_path, peer, "--task", "pg-down", "--json")
    assert r.returncode == 3
    assert "cannot connect" in json.loads(r.stdout)["tasks"][0]["error"]


def test_slow_query_hits_the_statement_timeout(dmswatch_bin, tmp_path, peer):
    for task in ("pg-slow", "maria-slow"):
        started = time.monotonic()
        r = reconcile(dmswatch_bin, tmp_path, peer, "--task", task, "--statement-timeout", "1", "--json")
        assert r.returncode == 3, r.stdout + r.stderr
        row = json.loads(r.stdout)["tasks"][0]["tables"][0]
        assert row["verdict"] == "UNKNOWN" and "statement timeout" in row["detail"], row
        assert time.monotonic() - started < 4, "the server did not cancel the statement"


def test_unsupported_engine_is_one_clear_row(dmswatch_bin, tmp_path, peer):
    r = reconcile(dmswatch_bin, tmp_path, peer, "--task", "ora-task", "--json")
    assert r.returncode == 0, r.stderr
    task = json.loads(r.stdout)["tasks"][0]
    assert task["error_kind"] == "unsupported" and "not supported for reconciliation" in task["error"]
    assert r.stderr.count("not supported") == 1


def test_config_overrides_password_env_and_plain_password_mode(dmswatch_bin, tmp_path, peer, servers):
    pg, _ = servers
    cfg = f"""reconcile:
  endpoints:
    bad-pass:
      host: 127.0.0.1
      port: {pg.port}
      password_env: RECON_PW
"""
    env_extra = {"RECON_PW": RO_PG}
    os.environ.update(env_extra)
    try:
        r = reconcile(dmswatch_bin, tmp_path, peer, "--task", "pg-badpass", "--json", config=cfg)
    finally:
        os.environ.pop("RECON_PW", None)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["tasks"][0]["tables"][0]["verdict"] == "MATCH"
    # A plain password in a file others can read is refused (exit 2) and not echoed.
    p = tmp_path / "open.yaml"
    p.write_text("reconcile:\n  endpoints:\n    bad-pass:\n      password: hunter2-plain\n")
    os.chmod(p, 0o644)
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    r = subprocess.run([str(dmswatch_bin), "reconcile", "--region", "us-east-1", "--endpoint-url", peer, "--config", str(p)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and "0600" in r.stderr and "hunter2" not in r.stderr, r.stderr
    # Unknown keys are errors with their line.
    p.write_text("reconcile:\n  endpoints:\n    bad-pass:\n      hots: x\n")
    r = subprocess.run([str(dmswatch_bin), "reconcile", "--region", "us-east-1", "--endpoint-url", peer, "--config", str(p)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and ":4: unknown key \"hots\"" in r.stderr, r.stderr


def test_athena_counts_for_s3_target(dmswatch_bin, tmp_path, peer):
    body = {"account_id": "123456789012", "region": "us-east-1", "results": [
        {"rows": [{"Data": [{"VarCharValue": "_col0"}]}, {"Data": [{"VarCharValue": "500"}]}],
         "column_info": [{"Name": "_col0", "Type": "bigint"}]}]}
    req = urllib.request.Request(peer + "/moto-api/static/athena/query-results", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=10).read()
    r = reconcile(dmswatch_bin, tmp_path, peer, "--task", "pg-to-s3", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    row = json.loads(r.stdout)["tasks"][0]["tables"][0]
    assert (row["verdict"], row["source_rows"], row["target_rows"]) == ("MATCH", 500, 500)


def test_nothing_is_written(servers, dmswatch_bin, tmp_path, peer):
    """Run after the others (file order): every statement dmswatch's user sent was a read-only transaction or a SELECT."""
    pg, my = servers
    r = reconcile(dmswatch_bin, tmp_path, peer, "--task", "pg-to-pg", "--task", "pg-to-maria", "--checksum", "--json")
    assert r.returncode == 1
    # The user has SELECT only.
    assert pg.psql("tgt", "SELECT has_table_privilege('dmswatch_ro', 'shop.items', 'INSERT')").stdout.strip() == "f"
    allowed = re.compile(r"^(SELECT |START TRANSACTION READ ONLY|COMMIT|ROLLBACK)")
    pglog = (pathlib.Path(pg.root) / "server.log").read_text(errors="replace")
    stmts = [m.group(1) for m in re.finditer(r"user=dmswatch_ro LOG:  statement: (.*)", pglog)]
    assert len(stmts) > 20
    bad = [s for s in stmts if not allowed.match(s)]
    assert bad == [], bad[:5]
    assert "START TRANSACTION READ ONLY" in stmts
    mylog = (pathlib.Path(my.root) / "general.log").read_text(errors="replace")
    ro_threads = set(re.findall(r"(\d+) Connect\s+dmswatch_ro@", mylog))
    assert ro_threads
    my_stmts = [m.group(2).strip() for m in re.finditer(r"^\s*(?:\S+\s+\S+\s+)?(\d+) Query\s+(.*)$", mylog, re.M) if m.group(1) in ro_threads]
    my_allowed = re.compile(r"^(SELECT |START TRANSACTION READ ONLY|COMMIT|ROLLBACK|SET SESSION (TRANSACTION READ ONLY|time_zone|max_statement_time))")
    assert my_stmts and [s for s in my_stmts if not my_allowed.match(s)] == []


def test_check_reconcile_adds_mismatch_and_readiness(dmswatch_bin, tmp_path, peer):
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    r = subprocess.run([str(dmswatch_bin), "check", "--region", "us-east-1", "--endpoint-url", peer, "--task", "pg-to-pg",
                        "--reconcile", "--json", "--no-notify"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    task = rep["tasks"][0]
    mism = [f for f in task["findings"] if f["event"] == "dms.table.rows_mismatch"]
    assert {f["table"] for f in mism} == {"shop.items", "shop.events"}  # counts only: the changed row needs --checksum
    assert all(f["severity"] == "critical" for f in mism)
    crit = next(c for c in task["readiness"]["criteria"] if c["name"] == "row_counts_match")
    assert crit["passed"] is False and "MISMATCH" in crit["detail"]
    assert [c["name"] for c in task["readiness"]["criteria"]].count("row_counts_match") == 1
    # Without --reconcile the criterion is there but unknown (never claimed), and the task is not ready.
    r = subprocess.run([str(dmswatch_bin), "check", "--region", "us-east-1", "--endpoint-url", peer, "--task", "pg-to-pg", "--json",
                        "--no-notify"], capture_output=True, text=True, env=env, timeout=120)
    plain = json.loads(r.stdout)["tasks"][0]["readiness"]
    crit = [c for c in plain["criteria"] if c["name"] == "row_counts_match"]
    assert len(crit) == 1 and crit[0]["passed"] is None and "not checked" in crit[0]["detail"], plain
    assert plain["ready"] is False


def test_secrets_never_logged(dmswatch_bin, tmp_path, peer):
    reconcile(dmswatch_bin, tmp_path, peer, "--task", "pg-to-pg", "--task", "pg-badpass", "--json")
    logs = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*.log"))
    assert logs, "the run wrote no log"
    for secret in (RO_PG, RO_MY, "wrong-password"):
        assert secret not in logs


def test_demo_reconcile_without_databases(dmswatch_bin, tmp_path):
    env = base_env(tmp_path)
    r = subprocess.run([str(dmswatch_bin), "reconcile", "--demo", "--json", "--recheck-delay", "0"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode in (0, 1, 3), r.stderr
    rep = json.loads(r.stdout)
    assert rep["summary"]["tables"] > 50
    assert any(t["error_kind"] == "unsupported" for t in rep["tasks"])


def test_recon_view_in_the_dashboard_finds_the_keys(dmswatch_bin, tmux, tmp_path, peer):
    """The dashboard's RECON view (R) on a moto task whose endpoints point at the local servers: counts for
    every table, then checksums for the marked tables down to the differing keys; esc closes it."""
    import shlex
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", TERM="xterm-256color",
                   LANG="C.UTF-8", LC_ALL="C.UTF-8")
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.isidentifier())
    tmux.start(f"env -i {assigns} {shlex.quote(str(dmswatch_bin))} --region us-east-1 --endpoint-url {shlex.quote(peer)}",
               width=160, height=45)
    tmux.wait_for(lambda s: "pg-to-pg" in s and "TABLES" in s, timeout=30)
    # Narrow TASKS to the task, then open its tables and mark them all for checksums.
    tmux.send("/")
    for ch in "pg-to-pg":
        tmux.send(ch)
    tmux.send("Enter")
    tmux.wait_for(lambda s: "TABLES pg-to-pg" in s, timeout=20)
    tmux.send("R")
    counted = tmux.wait_for(lambda s: re.search(r"RECON pg-to-pg 5 tables.* done ", s)
                            and re.search(r"shop\.items\s+\d+\s+\d+\s+\S+\s+MISMATCH", s), timeout=60)
    assert re.search(r"shop\.orders\s+500\s+500\s+0\s+MATCH", counted), counted
    tmux.send("q")
    tmux.send("Enter")  # focus TABLES
    tmux.wait_for(lambda s: "RECON" not in s, timeout=10)
    tmux.send("a")  # mark every table: checksums for the marked ones
    tmux.send("R")
    # Wait for the whole run (the frame says done) before reading it.
    tmux.wait_for(lambda s: re.search(r"RECON pg-to-pg 5 tables.* done ", s) and re.search(r"shop\.items\s+300\s+297\s+\+3\s+MISMATCH.*100%\s+3", s)
                  and re.search(r"shop\.customers\s+.*100%\s+1", s), timeout=90)
    # The selected row's keys: shop.items misses 10, 11, 12 in the target; shop.customers differs at 42.
    tmux.send("j")
    tmux.wait_for(lambda s: re.search(r"shop\.items.*\b10\b.*\b11\b.*\b12\b", s.split("KEYS", 1)[-1], re.S), timeout=15)
    tmux.send("j")
    tmux.wait_for(lambda s: re.search(r"shop\.customers.*\b42\b", s.split("KEYS", 1)[-1], re.S), timeout=15)
    tmux.send("Escape")
    tmux.wait_for(lambda s: "RECON" not in s, timeout=10)
    # Readiness and the findings now carry the reconciliation: the detail names the MISMATCH tables.
    tmux.send("d")
    detail = tmux.wait_for(lambda s: re.search(r"✗ row counts match: \d+ of 5 tables MISMATCH", s)
                           and "dms.table.rows_mismatch" not in s and "target rows differ from source" in s, timeout=15)
    if os.environ.get("DMSWATCH_CAPTURE_DIR"):
        (pathlib.Path(os.environ["DMSWATCH_CAPTURE_DIR"]) / "recon-readiness.txt").write_text(detail)
    tmux.send("Escape")
    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)
    # SELECT only: the audit log says what ran, and no password appears in it.
    audit_file = tmp_path / "state" / "dmswatch" / "audit.log"
    text = audit_file.read_text()
    assert "reconcile pg-to-pg" in text and RO_PG not in text and RO_MY not in text
