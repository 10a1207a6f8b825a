#!/usr/bin/env python3
"""moto's server with the DMS operations moto lacks, for dmswatch's end-to-end tests.

    python3 dms_peer.py --port PORT [--scenario scenario.json] [--task-page-size N]

Adds DescribeTableStatistics, ReloadTables and DescribeEvents (fed by the scenario file),
Marker paging to DescribeReplicationTasks (moto only truncates), and DMS Serverless
(DescribeReplicationConfigs, DescribeReplications, DescribeReplicationTableStatistics,
Start/StopReplication, ReloadReplicationTables; see serverless_peer.py for the scenario's
"serverless" object). Everything else is moto 5.2.1.
Binds to 127.0.0.1 only.

Scenario file:
    {"table_statistics": {"<task identifier>": [{"SchemaName": ..., "TableName": ..., ...}, ...]},
     "events": [{"SourceIdentifier": ..., "SourceType": "replication-task", "Message": ...,
                 "EventCategories": [...], "Date": <epoch seconds>}]}
"""
import argparse
import json
import os
import sys
import threading

from moto.dms.exceptions import InvalidResourceStateFault, ResourceNotFoundFault
from moto.dms.responses import DatabaseMigrationServiceResponse

STATE = {"scenario": {"table_statistics": {}, "events": []}, "task_page_size": 0, "reloads": []}
LOCK = threading.Lock()


def _task_by_arn(resp, arn):
    for task in resp.dms_backend.replication_tasks.values():
        if task.arn == arn:
            return task
    raise ResourceNotFoundFault("Replication task could not be found.")


def _page(items, marker, max_records):
    start = int(marker) if marker else 0
    end = start + max_records
    next_marker = str(end) if end < len(items) else None
    return items[start:end], next_marker


def describe_table_statistics(self):
    arn = self._get_param("ReplicationTaskArn")
    max_records = self._get_int_param("MaxRecords", 100)
    if max_records < 20 or max_records > 500:
        from moto.dms.exceptions import ValidationError
        raise ValidationError("MaxRecords must be between 20 and 500")
    task = _task_by_arn(self, arn)
    with LOCK:
        rows = [dict(r) for r in STATE["scenario"]["table_statistics"].get(task.id, [])]
    rows, marker = _page(rows, self._get_param("Marker"), max_records)
    out = {"ReplicationTaskArn": arn, "TableStatistics": rows}
    if marker:
        out["Marker"] = marker
    return json.dumps(out)


def reload_tables(self):
    arn = self._get_param("ReplicationTaskArn")
    tables = self._get_param("TablesToReload") or []
    option = self._get_param("ReloadOption") or "data-reload"
    if option not in ("data-reload", "validate-only"):
        from moto.dms.exceptions import ValidationError
        raise ValidationError(f"invalid ReloadOption {option}")
    task = _task_by_arn(self, arn)
    if task.status != "running":
        raise InvalidResourceStateFault("Replication task is not running")
    with LOCK:
        rows = STATE["scenario"]["table_statistics"].setdefault(task.id, [])
        for t in tables:
            STATE["reloads"].append({"task": task.id, "schema": t["SchemaName"], "table": t["TableName"], "option": option})
            for r in rows:
                if r.get("SchemaName") == t["SchemaName"] and r.get("TableName") == t["TableName"]:
                    r["TableState"] = "Table is being reloaded" if option == "data-reload" else r.get("TableState")
                    if option == "validate-only":
                        r["ValidationState"] = "Pending revalidation"
    return json.dumps({"ReplicationTaskArn": arn})


def describe_events(self):
    source_type = self._get_param("SourceType")
    start = self._get_param("StartTime")
    max_records = self._get_int_param("MaxRecords", 100)
    with LOCK:
        events = list(STATE["scenario"]["events"])
    if source_type:
        events = [e for e in events if e.get("SourceType") == source_type]
    if start is not None:
        events = [e for e in events if float(e["Date"]) >= float(start)]
    events.sort(key=lambda e: float(e["Date"]))
    events, marker = _page(events, self._get_param("Marker"), max_records)
    out = {"Events": events}
    if marker:
        out["Marker"] = marker
    return json.dumps(out)


_ORIG_DESCRIBE_TASKS = DatabaseMigrationServiceResponse.describe_replication_tasks


def describe_replication_tasks(self):
    size = STATE["task_page_size"]
    if not size:
        return _ORIG_DESCRIBE_TASKS(self)
    filters = self._get_param("Filters", [])
    tasks = list(self.dms_backend.describe_replication_tasks(filters=filters, max_records=0))
    page, marker = _page(tasks, self._get_param("Marker"), min(size, self._get_int_param("MaxRecords", 100)))
    out = {"ReplicationTasks": [t.to_dict() for t in page]}
    if marker:
        out["Marker"] = marker
    return json.dumps(out)


def install(scenario=None, task_page_size=0):
    if scenario:
        STATE["scenario"].update(scenario)
    STATE["task_page_size"] = task_page_size
    DatabaseMigrationServiceResponse.describe_table_statistics = describe_table_statistics
    DatabaseMigrationServiceResponse.reload_tables = reload_tables
    DatabaseMigrationServiceResponse.describe_events = describe_events
    DatabaseMigrationServiceResponse.describe_replication_tasks = describe_replication_tasks
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import serverless_peer
    serverless_peer.install(scenario or {})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--scenario")
    ap.add_argument("--task-page-size", type=int, default=0)
    args = ap.parse_args()
    scenario = None
    if args.scenario:
        with open(args.scenario) as f:
            scenario = json.load(f)
    install(scenario, args.task_page_size)
    from moto.server import main as moto_main
    moto_main(["-H", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    sys.exit(main())
