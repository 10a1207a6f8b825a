"""Checks the peer's DMS Serverless with boto3 (botocore validates every response against its model),
so the Swift client's serverless tests stand on a verified peer.

    python3 -m pytest -q Tests/e2e/test_serverless_peer.py
"""
import ast
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

HERE = os.path.dirname(__file__)
PEER = os.path.join(HERE, "peer", "dms_peer.py")
sys.path.insert(0, os.path.join(HERE, "peer"))
import serverless_fleet  # noqa: E402

KW = dict(region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def peer(tmp_path):
    f = tmp_path / "scenario.json"
    f.write_text(json.dumps({"serverless": serverless_fleet.serverless()}))
    port = free_port()
    proc = subprocess.Popen([sys.executable, PEER, "--port", str(port), "--scenario", str(f)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"peer did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def dms(url):
    return boto3.client("dms", endpoint_url=url, **KW)


def by_id(client):
    configs = {c["ReplicationConfigIdentifier"]: c for c in client.describe_replication_configs()["ReplicationConfigs"]}
    return configs


def replication(client, arn):
    reps = client.describe_replications(Filters=[{"Name": "replication-config-arn", "Values": [arn]}])["Replications"]
    return reps[0] if reps else None


def orchestrator(url, rid):
    logs = boto3.client("logs", endpoint_url=url, **KW)
    ev = logs.get_log_events(logGroupName=f"dms-serverless-replication-{rid}",
                             logStreamName=f"dms-serverless-replication-orchestrator-{rid}", startFromHead=True)["events"]
    return [ast.literal_eval(e["message"]) for e in ev]


def test_list_configs_and_replications_with_filters_and_paging(peer):
    c = dms(peer)
    configs = by_id(c)
    assert sorted(configs) == ["ledger-sl", "orders-sl", "payments-sl", "zero-etl-sl"]
    assert all(":replication-config:" in x["ReplicationConfigArn"] for x in configs.values())
    assert configs["orders-sl"]["ComputeConfig"] == {"MinCapacityUnits": 2, "MaxCapacityUnits": 16}
    assert configs["zero-etl-sl"]["IsReadOnly"] is True
    reps = c.describe_replications()["Replications"]
    # ledger-sl was never started: it has no replication.
    assert sorted(r["ReplicationConfigIdentifier"] for r in reps) == ["orders-sl", "payments-sl", "zero-etl-sl"]
    orders = replication(c, configs["orders-sl"]["ReplicationConfigArn"])
    assert orders["Status"] == "running"
    assert orders["ProvisionData"]["ProvisionedCapacityUnits"] == 4
    assert orders["ReplicationStats"]["TablesLoaded"] == 3
    by_name = c.describe_replications(Filters=[{"Name": "replication-config-id", "Values": ["zero-etl-sl"]}])["Replications"]
    assert [r["IsReadOnly"] for r in by_name] == [True]
    p1 = c.describe_replication_configs(MaxRecords=2)
    assert len(p1["ReplicationConfigs"]) == 2 and p1["Marker"]
    p2 = c.describe_replication_configs(MaxRecords=2, Marker=p1["Marker"])
    assert len(p2["ReplicationConfigs"]) == 2 and "Marker" not in p2
    with pytest.raises(c.exceptions.ResourceNotFoundFault):
        c.describe_replication_table_statistics(ReplicationConfigArn="arn:aws:dms:us-east-1:123456789012:replication-config:NOPE")


def test_start_goes_through_the_provisioning_phases_and_stop_to_stopped(peer):
    c = dms(peer)
    arn = by_id(c)["ledger-sl"]["ReplicationConfigArn"]
    with pytest.raises(c.exceptions.ClientError) as e:
        c.start_replication(ReplicationConfigArn=arn, StartReplicationType="resume-processing")
    assert e.value.response["Error"]["Code"] == "InvalidParameterCombinationException"
    r = c.start_replication(ReplicationConfigArn=arn, StartReplicationType="start-replication")["Replication"]
    assert r["Status"] == "initializing"
    seen = ["initializing"]
    for _ in range(10):
        s = replication(c, arn)["Status"]
        seen.append(s)
        if s == "running":
            break
    assert seen == ["initializing", "preparing_metadata_resources", "testing_connection", "fetching_metadata",
                    "calculating_capacity", "provisioning_capacity", "replication_starting", "running"]
    assert replication(c, arn)["ProvisionData"]["ProvisionState"] == "provisioned"
    with pytest.raises(c.exceptions.ClientError):
        c.start_replication(ReplicationConfigArn=arn, StartReplicationType="start-replication")
    assert c.stop_replication(ReplicationConfigArn=arn)["Replication"]["Status"] == "stopping"
    assert replication(c, arn)["Status"] == "stopped"
    with pytest.raises(c.exceptions.InvalidResourceStateFault):
        c.stop_replication(ReplicationConfigArn=arn)
    # The orchestrator stream was created by the first run and tells the same story.
    rid = arn.rsplit(":", 1)[1]
    states = [d["replication_state"] for d in orchestrator(peer, rid)]
    assert states == seen + ["stopping", "stopped"]


def test_a_failing_start_reports_failure_messages(peer):
    c = dms(peer)
    arn = by_id(c)["payments-sl"]["ReplicationConfigArn"]
    c.start_replication(ReplicationConfigArn=arn, StartReplicationType="resume-processing")
    statuses = [replication(c, arn)["Status"] for _ in range(3)]
    assert statuses == ["preparing_metadata_resources", "testing_connection", "failed"]
    r = replication(c, arn)
    assert r["FailureMessages"] == [serverless_fleet.FAILURE]
    last = orchestrator(peer, arn.rsplit(":", 1)[1])[-1]
    assert last["replication_state"] == "failed" and last["failure_message"] == serverless_fleet.FAILURE


def test_read_only_refuses_every_action(peer):
    c = dms(peer)
    arn = by_id(c)["zero-etl-sl"]["ReplicationConfigArn"]
    for call in (lambda: c.stop_replication(ReplicationConfigArn=arn),
                 lambda: c.start_replication(ReplicationConfigArn=arn, StartReplicationType="resume-processing"),
                 lambda: c.reload_replication_tables(ReplicationConfigArn=arn, TablesToReload=[{"SchemaName": "sales", "TableName": "customers"}])):
        with pytest.raises(c.exceptions.InvalidResourceStateFault):
            call()
    assert replication(c, arn)["Status"] == "running"


def test_table_statistics_with_resync_and_reload(peer):
    c = dms(peer)
    arn = by_id(c)["orders-sl"]["ReplicationConfigArn"]
    stats = c.describe_replication_table_statistics(ReplicationConfigArn=arn)["ReplicationTableStatistics"]
    assert [s["TableName"] for s in stats] == ["orders", "order_lines", "customers"]
    assert stats[1]["ResyncRowsFailed"] == 3 and stats[2]["ResyncProgress"] == 42.5
    c.reload_replication_tables(ReplicationConfigArn=arn, TablesToReload=[{"SchemaName": "sales", "TableName": "orders"}])
    c.reload_replication_tables(ReplicationConfigArn=arn, TablesToReload=[{"SchemaName": "sales", "TableName": "customers"}],
                                ReloadOption="validate-only")
    after = {s["TableName"]: s for s in c.describe_replication_table_statistics(ReplicationConfigArn=arn)["ReplicationTableStatistics"]}
    assert after["orders"]["TableState"] == "Table is being reloaded"
    assert after["customers"]["ValidationState"] == "Pending revalidation"
    with pytest.raises(c.exceptions.ClientError):
        c.reload_replication_tables(ReplicationConfigArn=arn, TablesToReload=[{"SchemaName": "no", "TableName": "such"}])
    never = by_id(c)["ledger-sl"]["ReplicationConfigArn"]
    assert c.describe_replication_table_statistics(ReplicationConfigArn=never)["ReplicationTableStatistics"] == []
    with pytest.raises(c.exceptions.InvalidResourceStateFault):
        c.reload_replication_tables(ReplicationConfigArn=never, TablesToReload=[{"SchemaName": "sales", "TableName": "orders"}])


def test_metrics_discovery_and_logs(peer):
    c = dms(peer)
    configs = by_id(c)
    cw = boto3.client("cloudwatch", endpoint_url=peer, **KW)
    listed = cw.list_metrics(Namespace="AWS/DMS", MetricName="CapacityUtilization")["Metrics"]
    assert [m["Dimensions"] for m in listed] == [[{"Name": "ReplicationConfigIdentifier", "Value": "orders-sl"}]]
    end = time.time()
    out = cw.get_metric_data(
        MetricDataQueries=[{"Id": "cap", "MetricStat": {"Metric": {"Namespace": "AWS/DMS", "MetricName": "CapacityUtilization",
                                                                   "Dimensions": listed[0]["Dimensions"]}, "Period": 60, "Stat": "Average"}}],
        StartTime=end - 3600, EndTime=end)["MetricDataResults"]
    assert sorted(out[0]["Values"]) == [40, 45, 52, 58, 61]
    logs = boto3.client("logs", endpoint_url=peer, **KW)
    rid = configs["orders-sl"]["ReplicationConfigArn"].rsplit(":", 1)[1]
    task = logs.get_log_events(logGroupName=f"dms-serverless-replication-{rid}", logStreamName=f"dms-serverless-serv-res-id-{rid}",
                               startFromHead=True)["events"]
    assert "running CDC" in task[0]["message"]
    assert orchestrator(peer, rid)[-1]["replication_state"] == "running"
    # Never started: no log group yet.
    never = configs["ledger-sl"]["ReplicationConfigArn"].rsplit(":", 1)[1]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_log_events(logGroupName=f"dms-serverless-replication-{never}",
                            logStreamName=f"dms-serverless-replication-orchestrator-{never}")
