#!/usr/bin/env python3
"""A small, realistic fleet for the dashboard's end-to-end test against moto (dms_peer.py).

    python3 dashboard_fleet.py scenario OUT.json          # the peer's scenario file (table statistics, events)
    python3 dashboard_fleet.py seed URL [--region R]      # boto3 seeding of a running peer; prints the facts as JSON

Start the peer with the scenario, then seed it:

    python3 dms_peer.py --port 5055 --scenario OUT.json &
    python3 dashboard_fleet.py seed http://127.0.0.1:5055
    dmswatch --region us-east-1 --endpoint-url http://127.0.0.1:5055

Tasks (moto builds the ARNs from the names, so the resource id is the name):
  accounts-cdc        cdc                running  latency 42s / 1m35s, 3 tables (one missing rows), a log stream
  billing-full-load   full-load          running  no CDC latency, no log stream (logging off)
  orders-migration    full-load-and-cdc  running  latency 7s / 12s, a log stream
  reports-migration   full-load-and-cdc  created, never started (moto leaves it "creating")
"""
import argparse
import datetime
import json
import sys
import time

INSTANCE = "prod-rep-1"
INSTANCE_CLASS = "dms.r5.large"
TASKS = [
    ("accounts-cdc", "cdc", True),
    ("billing-full-load", "full-load", True),
    ("orders-migration", "full-load-and-cdc", True),
    ("reports-migration", "full-load-and-cdc", False),
]
# Per task: CDCLatencySource and CDCLatencyTarget series (seconds, oldest first, one a minute).
LATENCY = {
    "accounts-cdc": ([30.0, 33.0, 36.0, 39.0, 42.0], [80.0, 84.0, 88.0, 92.0, 95.0]),
    "orders-migration": ([3.0, 4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0, 12.0]),
}
LOG_LINES = {
    "accounts-cdc": [
        "2026-11-23T10:10:05 [SOURCE_CAPTURE  ]I:  Reading from the transaction log at LSN 0/16B3748 (pg_replication.c:410)",
        "2026-11-23T10:10:07 [TARGET_APPLY    ]I:  Applied 4242 changes to sales.order_lines (bulk_apply.c:2402)",
    ],
    "orders-migration": [
        "2026-11-23T10:10:09 [TARGET_LOAD     ]I:  Load finished for table 'sales'.'orders' (1200 rows) (load.c:88)",
    ],
}
EVENT_MESSAGE = "Replication task started, with flag = fresh start"


def table_statistics(now):
    """Rows of DescribeTableStatistics per task identifier, for the peer's scenario."""
    base = {"Ddls": 0, "AppliedDdls": 0, "FullLoadErrorRows": 0, "FullLoadCondtnlChkFailedRows": 0,
            "FullLoadReloaded": False, "LastUpdateTime": now - 30, "FullLoadStartTime": now - 7200,
            "FullLoadEndTime": now - 3600}
    return {
        "accounts-cdc": [
            dict(base, SchemaName="sales", TableName="order_lines", FullLoadRows=250000, TableState="Table completed",
                 Inserts=4200, AppliedInserts=4200, Updates=120, AppliedUpdates=120, Deletes=3, AppliedDeletes=3,
                 ValidationState="Validated", ValidationPendingRecords=0, ValidationFailedRecords=0,
                 ValidationSuspendedRecords=0),
            dict(base, SchemaName="sales", TableName="customers", FullLoadRows=9100, TableState="Table completed",
                 Inserts=310, AppliedInserts=300, Updates=12, AppliedUpdates=12, Deletes=0, AppliedDeletes=0,
                 ValidationState="Not enabled"),
            dict(base, SchemaName="sales", TableName="refunds", FullLoadRows=5, TableState="Table completed",
                 Inserts=0, AppliedInserts=0, Updates=0, AppliedUpdates=0, Deletes=0, AppliedDeletes=0,
                 ValidationState="Not enabled"),
        ],
        "orders-migration": [
            dict(base, SchemaName="sales", TableName="orders", FullLoadRows=1200, TableState="Table completed",
                 Inserts=12, AppliedInserts=12, Updates=0, AppliedUpdates=0, Deletes=0, AppliedDeletes=0,
                 ValidationState="Not enabled"),
        ],
    }


def scenario(now=None):
    now = time.time() if now is None else now
    return {
        "table_statistics": table_statistics(now),
        "events": [{"SourceIdentifier": "accounts-cdc", "SourceType": "replication-task", "Message": EVENT_MESSAGE,
                    "EventCategories": ["state change"], "Date": now - 120}],
    }


def seed(url, region="us-east-1"):
    import boto3
    kw = dict(endpoint_url=url, region_name=region, aws_access_key_id="seed", aws_secret_access_key="seed")
    dms = boto3.client("dms", **kw)
    ri = dms.create_replication_instance(ReplicationInstanceIdentifier=INSTANCE, ReplicationInstanceClass=INSTANCE_CLASS)
    ri_arn = ri["ReplicationInstance"]["ReplicationInstanceArn"]
    src = dms.create_endpoint(EndpointIdentifier="src-pg", EndpointType="source", EngineName="postgres")["Endpoint"]["EndpointArn"]
    tgt = dms.create_endpoint(EndpointIdentifier="tgt-aurora", EndpointType="target", EngineName="aurora-postgresql")["Endpoint"]["EndpointArn"]
    arns = {}
    for name, mtype, start in TASKS:
        t = dms.create_replication_task(
            ReplicationTaskIdentifier=name, SourceEndpointArn=src, TargetEndpointArn=tgt, ReplicationInstanceArn=ri_arn,
            MigrationType=mtype, TableMappings=json.dumps({"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "1",
                                                                       "object-locator": {"schema-name": "sales", "table-name": "%"},
                                                                       "rule-action": "include"}]}))
        arns[name] = t["ReplicationTask"]["ReplicationTaskArn"]
        if start:
            dms.start_replication_task(ReplicationTaskArn=arns[name], StartReplicationTaskType="start-replication")

    def resource_id(arn):
        return arn.split(":task:", 1)[1]

    cw = boto3.client("cloudwatch", **kw)
    minute = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    for name, (source, target) in LATENCY.items():
        dims = [{"Name": "ReplicationInstanceIdentifier", "Value": INSTANCE},
                {"Name": "ReplicationTaskIdentifier", "Value": resource_id(arns[name])}]
        data = []
        for metric, series in (("CDCLatencySource", source), ("CDCLatencyTarget", target)):
            for k, v in enumerate(series):
                data.append({"MetricName": metric, "Dimensions": dims, "Value": v, "Unit": "Seconds",
                             "Timestamp": minute - datetime.timedelta(minutes=len(series) - 1 - k)})
        cw.put_metric_data(Namespace="AWS/DMS", MetricData=data)

    logs = boto3.client("logs", **kw)
    group = f"dms-tasks-{INSTANCE}"
    logs.create_log_group(logGroupName=group)
    now_ms = int(time.time() * 1000)
    streams = {}
    for name, lines in LOG_LINES.items():
        stream = f"dms-task-{resource_id(arns[name])}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": now_ms - 60_000 + i * 1000, "message": m} for i, m in enumerate(lines)])
        streams[name] = stream
    return {"region": region, "instance": INSTANCE, "instance_arn": ri_arn, "source": src, "target": tgt, "tasks": arns,
            "log_group": group, "log_streams": streams}


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("scenario")
    s.add_argument("out")
    d = sub.add_parser("seed")
    d.add_argument("url")
    d.add_argument("--region", default="us-east-1")
    a = ap.parse_args()
    if a.cmd == "scenario":
        with open(a.out, "w") as f:
            json.dump(scenario(), f, indent=1)
    else:
        json.dump(seed(a.url, a.region), sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
