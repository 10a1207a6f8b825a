"""Checks the DMS peer itself with boto3, so the Swift e2e tests stand on a verified peer.

    python3 -m pytest Tests/e2e/test_aws_peer.py
"""
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

PEER = os.path.join(os.path.dirname(__file__), "peer", "dms_peer.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def peer(tmp_path):
    scenario = {
        "table_statistics": {"task-0": [{"SchemaName": "S", "TableName": f"T{i}", "Inserts": i, "TableState": "Table completed"} for i in range(30)]},
        "events": [{"SourceIdentifier": "task-0", "SourceType": "replication-task", "Message": "started", "EventCategories": ["state change"], "Date": 1790000000}],
    }
    f = tmp_path / "scenario.json"
    f.write_text(json.dumps(scenario))
    port = free_port()
    proc = subprocess.Popen([sys.executable, PEER, "--port", str(port), "--scenario", str(f), "--task-page-size", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def client(url):
    return boto3.client("dms", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")


def seed(dms):
    ri = dms.create_replication_instance(ReplicationInstanceIdentifier="rep-1", ReplicationInstanceClass="dms.t3.micro")["ReplicationInstance"]["ReplicationInstanceArn"]
    src = dms.create_endpoint(EndpointIdentifier="s", EndpointType="source", EngineName="mysql")["Endpoint"]["EndpointArn"]
    tgt = dms.create_endpoint(EndpointIdentifier="t", EndpointType="target", EngineName="postgres")["Endpoint"]["EndpointArn"]
    arns = [dms.create_replication_task(ReplicationTaskIdentifier=f"task-{i}", SourceEndpointArn=src, TargetEndpointArn=tgt,
                                        ReplicationInstanceArn=ri, MigrationType="cdc", TableMappings="{}")["ReplicationTask"]["ReplicationTaskArn"]
            for i in range(2)]
    return arns


def test_paging_table_statistics_reload_and_events(peer):
    dms = client(peer)
    arns = seed(dms)
    pages = list(dms.get_paginator("describe_replication_tasks").paginate())
    assert len(pages) == 2 and all(len(p["ReplicationTasks"]) == 1 for p in pages)
    stats = [s for p in dms.get_paginator("describe_table_statistics").paginate(ReplicationTaskArn=arns[0], PaginationConfig={"PageSize": 20}) for s in p["TableStatistics"]]
    assert [s["TableName"] for s in stats] == [f"T{i}" for i in range(30)]
    with pytest.raises(dms.exceptions.InvalidResourceStateFault):
        dms.reload_tables(ReplicationTaskArn=arns[0], TablesToReload=[{"SchemaName": "S", "TableName": "T1"}])
    dms.start_replication_task(ReplicationTaskArn=arns[0], StartReplicationTaskType="start-replication")
    dms.reload_tables(ReplicationTaskArn=arns[0], TablesToReload=[{"SchemaName": "S", "TableName": "T1"}])
    t1 = dms.describe_table_statistics(ReplicationTaskArn=arns[0], Filters=[])["TableStatistics"][1]
    assert t1["TableState"] == "Table is being reloaded"
    with pytest.raises(dms.exceptions.ResourceNotFoundFault):
        dms.describe_table_statistics(ReplicationTaskArn="arn:aws:dms:eu-west-1:123456789012:task:none")
    ev = dms.describe_events(SourceType="replication-task")["Events"]
    assert [e["Message"] for e in ev] == ["started"]
    assert dms.describe_events(SourceType="replication-task", StartTime=1790000001)["Events"] == []
