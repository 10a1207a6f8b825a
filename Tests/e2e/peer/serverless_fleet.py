#!/usr/bin/env python3
"""DMS Serverless replications for the peer's scenario file (serverless_peer.py).

    python3 serverless_fleet.py scenario OUT.json [--merge OTHER.json]   # write (or add to) a scenario

Replications (region us-east-1, metric dimension ReplicationConfigIdentifier = the config identifier):
  orders-sl        cdc                running, 4 DCU (2–16), 3 tables (one resync failure), CapacityUtilization and
                                      CDC latency datapoints, orchestrator and task log streams
  ledger-sl        full-load          created, never started: no replication, no tables, no logs, no metrics
  payments-sl      full-load-and-cdc  stopped after a first run; a start fails at testing_connection with FailureMessages
  zero-etl-sl      cdc                running, IsReadOnly (zero-ETL): every action is refused
"""
import argparse
import json
import sys
import time

FAILURE = "Test connection failed for endpoint 'payments-src': could not connect to the source database (timeout after 60 seconds)"


def tables(now):
    base = {"Ddls": 0, "AppliedDdls": 0, "FullLoadErrorRows": 0, "FullLoadCondtnlChkFailedRows": 0, "FullLoadReloaded": False,
            "LastUpdateTime": now - 20, "FullLoadRows": 1000, "TableState": "Table completed", "ValidationState": "Validated",
            "ValidationPendingRecords": 0, "ValidationFailedRecords": 0, "ValidationSuspendedRecords": 0}
    return [
        dict(base, SchemaName="sales", TableName="orders", Inserts=500, AppliedInserts=500, Updates=20, AppliedUpdates=20,
             Deletes=1, AppliedDeletes=1, ResyncState="Last resync at 2026-11-30T10:00:00", ResyncRowsAttempted=40,
             ResyncRowsSucceeded=40, ResyncRowsFailed=0, ResyncProgress=100.0),
        dict(base, SchemaName="sales", TableName="order_lines", Inserts=900, AppliedInserts=900, Updates=0, AppliedUpdates=0,
             Deletes=0, AppliedDeletes=0, ResyncState="Last resync at 2026-11-30T10:05:00", ResyncRowsAttempted=12,
             ResyncRowsSucceeded=9, ResyncRowsFailed=3, ResyncProgress=100.0),
        dict(base, SchemaName="sales", TableName="customers", Inserts=10, AppliedInserts=10, Updates=2, AppliedUpdates=2,
             Deletes=0, AppliedDeletes=0, ResyncState="In progress", ResyncRowsAttempted=5, ResyncRowsSucceeded=5,
             ResyncRowsFailed=0, ResyncProgress=42.5),
    ]


def serverless(now=None):
    now = now or time.time()
    stats = {"FullLoadProgressPercent": 100, "ElapsedTimeMillis": 3600000, "TablesLoaded": 3, "TablesLoading": 0,
             "TablesQueued": 0, "TablesErrored": 0, "StartDate": now - 3600, "FreshStartDate": now - 3600}
    return {
        "region": "us-east-1",
        "dimension": "ReplicationConfigIdentifier",
        "configs": [
            {"ReplicationConfigIdentifier": "orders-sl", "ReplicationType": "cdc",
             "ComputeConfig": {"MinCapacityUnits": 2, "MaxCapacityUnits": 16},
             "Replication": {"Status": "running", "StartReplicationType": "start-replication", "ReplicationStats": stats,
                             "ProvisionData": {"ProvisionState": "provisioned", "ProvisionedCapacityUnits": 4,
                                               "DateProvisioned": now - 3700, "IsNewProvisioningAvailable": False},
                             "PremigrationAssessmentStatuses": [{"Status": "passed", "PremigrationAssessmentRunArn": "arn:aws:dms:us-east-1:123456789012:assessment-run:ORDERS"}],
                             "CdcStartTime": now - 3600, "RecoveryCheckpoint": "checkpoint:V1#27#mysql-bin-changelog.000012:1234"},
             "TableStatistics": tables(now),
             "Metrics": {"CapacityUtilization": [40, 45, 52, 61, 58], "CDCLatencySource": [2, 3, 3, 4, 3],
                         "CDCLatencyTarget": [4, 5, 5, 6, 5], "CDCIncomingChanges": [10, 12, 9, 14, 11]},
             "OrchestratorLog": [
                 "{'replication_state':'initializing', 'message':'Initializing the replication'}",
                 "{'replication_state':'provisioning_capacity', 'message':'Provisioning 4 DCU'}",
                 "{'replication_state':'running', 'message':'Replication is running'}"],
             "TaskLog": ["2026-11-30T10:00:00 [TASK_MANAGER    ]I:  Task 'orders-sl' running CDC (replicationtask.c:1522)"]},
            {"ReplicationConfigIdentifier": "ledger-sl", "ReplicationType": "full-load",
             "ComputeConfig": {"MinCapacityUnits": 1, "MaxCapacityUnits": 4}, "Replication": None},
            {"ReplicationConfigIdentifier": "payments-sl", "ReplicationType": "full-load-and-cdc",
             "ComputeConfig": {"MinCapacityUnits": 2, "MaxCapacityUnits": 8}, "FailOnStart": FAILURE,
             "Replication": {"Status": "stopped", "StartReplicationType": "start-replication", "StopReason": "Stop Reason NORMAL",
                             "ReplicationStats": dict(stats, StopDate=now - 600),
                             "ProvisionData": {"ProvisionState": "deprovisioned", "ProvisionedCapacityUnits": 0}},
             "TableStatistics": tables(now)[:1]},
            {"ReplicationConfigIdentifier": "zero-etl-sl", "ReplicationType": "cdc", "IsReadOnly": True,
             "ComputeConfig": {"MinCapacityUnits": 2, "MaxCapacityUnits": 4},
             "Replication": {"Status": "running", "StartReplicationType": "start-replication", "ReplicationStats": stats,
                             "ProvisionData": {"ProvisionState": "provisioned", "ProvisionedCapacityUnits": 2}},
             "TableStatistics": tables(now)[2:]},
        ],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["scenario"])
    ap.add_argument("out")
    ap.add_argument("--merge")
    a = ap.parse_args()
    doc = {}
    if a.merge:
        with open(a.merge) as f:
            doc = json.load(f)
    doc["serverless"] = serverless()
    with open(a.out, "w") as f:
        json.dump(doc, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
