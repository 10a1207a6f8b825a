"""DMS Serverless for the in-process peer (moto 5.2.1 implements none of it).

Installed by dms_peer.py. Fed by the scenario file's "serverless" object:

    {"serverless": {
        "dimension": "ReplicationConfigIdentifier",        # the metric dimension (value: the config identifier)
        "configs": [{
            "ReplicationConfigIdentifier": "orders-sl", "ReplicationType": "cdc",
            "ResourceId": "ORDERSSL...",                    # optional; the ARN's last part (else derived)
            "SourceEndpointArn": ..., "TargetEndpointArn": ..., "ComputeConfig": {"MinCapacityUnits": 2, "MaxCapacityUnits": 16},
            "IsReadOnly": false,
            "Replication": {"Status": "running", "StartReplicationType": "start-replication", "ProvisionData": {...},
                            "ReplicationStats": {...}, ...} | null,     # null: never started (no replication, no logs)
            "FailOnStart": "message",                       # a start fails at testing_connection with FailureMessages [message]
            "TableStatistics": [{TableStatistics with Resync* fields}],
            "Metrics": {"CapacityUtilization": [v, ...]},   # one datapoint a minute, the last one a minute ago
            "OrchestratorLog": ["{'replication_state':'running', 'message':'...'}", ...],
            "TaskLog": ["2026-... [TASK_MANAGER ]I: ...", ...]}]}}

State moves on each DescribeReplications (as moto moves `creating` → `available`): a start goes
initializing → preparing_metadata_resources → testing_connection → fetching_metadata →
calculating_capacity → provisioning_capacity → replication_starting → running, one step per
describe (or → failed at testing_connection with FailOnStart); a stop goes stopping → stopped.
Every transition appends an orchestrator line (Python-literal dict) to the log group
dms-serverless-replication-<resource id>, stream dms-serverless-replication-orchestrator-<resource id>,
which exist from the first start. Metrics and logs live in moto's own CloudWatch and Logs backends,
so ListMetrics, GetMetricData and GetLogEvents are moto's.
"""
import base64
import datetime
import hashlib
import json
import threading
import time

from moto.core.exceptions import JsonRESTError
from moto.dms.exceptions import InvalidResourceStateFault, ResourceNotFoundFault
from moto.dms.responses import DatabaseMigrationServiceResponse

ACCOUNT = "123456789012"
PHASES = ["initializing", "preparing_metadata_resources", "testing_connection", "fetching_metadata",
          "calculating_capacity", "provisioning_capacity", "replication_starting"]
LOCK = threading.RLock()
STATE = {"configs": [], "dimension": "ReplicationConfigIdentifier", "region": "us-east-1", "actions": []}


class InvalidParameterCombination(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("InvalidParameterCombinationException", message)


class InvalidParameterValue(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("InvalidParameterValueException", message)


def resource_id(identifier):
    return base64.b32encode(hashlib.sha1(identifier.encode()).digest()).decode()[:26]


def log_group(rid):
    return f"dms-serverless-replication-{rid}"


def orchestrator_stream(rid):
    return f"dms-serverless-replication-orchestrator-{rid}"


def task_stream(rid):
    return f"dms-serverless-serv-res-id-{rid}"


def py_literal(d):
    """A Python dict literal with single quotes, as the orchestrator writes them."""
    def lit(s):
        return "'" + str(s).replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "{" + ", ".join(f"{lit(k)}:{lit(v)}" for k, v in d.items()) + "}"


def _logs():
    from moto.logs.models import logs_backends
    return logs_backends[ACCOUNT][STATE["region"]]


def _cloudwatch():
    from moto.cloudwatch.models import cloudwatch_backends
    return cloudwatch_backends[ACCOUNT][STATE["region"]]


def _ensure_logs(c):
    logs = _logs()
    rid = c["rid"]
    if log_group(rid) not in logs.groups:
        logs.create_log_group(log_group(rid), {})
    group = logs.groups[log_group(rid)]
    if orchestrator_stream(rid) not in group.streams:
        logs.create_log_stream(log_group(rid), orchestrator_stream(rid))
    return logs


def _put_lines(c, stream, lines, start_ms=None):
    logs = _ensure_logs(c)
    group = logs.groups[log_group(c["rid"])]
    if stream not in group.streams:
        logs.create_log_stream(log_group(c["rid"]), stream)
    now = int(time.time() * 1000)
    base = start_ms if start_ms is not None else now
    events = [{"timestamp": base + i, "message": m} for i, m in enumerate(lines)]
    if events:
        logs.put_log_events(log_group(c["rid"]), stream, events)


def _orchestrate(c, state, message, failure=None):
    d = {"replication_state": state, "message": message}
    if failure:
        d["failure_message"] = failure
    _put_lines(c, orchestrator_stream(c["rid"]), [py_literal(d)])


def install(scenario, region="us-east-1"):
    sl = (scenario or {}).get("serverless") or {}
    STATE["region"] = sl.get("region", region)
    STATE["dimension"] = sl.get("dimension", "ReplicationConfigIdentifier")
    now = time.time()
    with LOCK:
        STATE["configs"] = []
        for raw in sl.get("configs", []):
            ident = raw["ReplicationConfigIdentifier"]
            rid = raw.get("ResourceId") or resource_id(ident)
            arn = f"arn:aws:dms:{STATE['region']}:{ACCOUNT}:replication-config:{rid}"
            config = {k: v for k, v in raw.items() if k in (
                "ReplicationConfigIdentifier", "SourceEndpointArn", "TargetEndpointArn", "ReplicationType", "ComputeConfig",
                "ReplicationSettings", "SupplementalSettings", "TableMappings", "IsReadOnly")}
            config["ReplicationConfigArn"] = arn
            config["ReplicationConfigCreateTime"] = now - 86400
            config["ReplicationConfigUpdateTime"] = now - 86400
            c = {"rid": rid, "arn": arn, "config": config, "replication": None, "fail": raw.get("FailOnStart"),
                 "tables": [dict(t) for t in raw.get("TableStatistics", [])], "read_only": bool(raw.get("IsReadOnly"))}
            if raw.get("Replication") is not None:
                r = dict(raw["Replication"])
                r.update({"ReplicationConfigIdentifier": ident, "ReplicationConfigArn": arn,
                          "SourceEndpointArn": raw.get("SourceEndpointArn"), "TargetEndpointArn": raw.get("TargetEndpointArn"),
                          "ReplicationType": raw.get("ReplicationType"), "IsReadOnly": c["read_only"]})
                r.setdefault("FailureMessages", [])
                r = {k: v for k, v in r.items() if v is not None}
                c["replication"] = r
                # Logs exist once a replication has run.
                lines = raw.get("OrchestratorLog") or [py_literal({"replication_state": r.get("Status", "running"), "message": "seeded"})]
                _put_lines(c, orchestrator_stream(rid), lines, start_ms=int((now - 600) * 1000))
                if raw.get("TaskLog"):
                    _put_lines(c, task_stream(rid), raw["TaskLog"], start_ms=int((now - 300) * 1000))
            metrics = raw.get("Metrics") or {}
            data = []
            for name, values in metrics.items():
                n = len(values)
                for i, v in enumerate(values):
                    # moto keeps naive UTC datetimes (an aware one breaks its comparisons).
                    ts = datetime.datetime.fromtimestamp(int(now // 60 * 60) - 60 * (n - i), datetime.timezone.utc).replace(tzinfo=None)
                    data.append({"MetricName": name, "Dimensions": [{"Name": STATE["dimension"], "Value": ident}],
                                 "Value": float(v), "Timestamp": ts, "Unit": "Percent" if name == "CapacityUtilization" else "None"})
            if data:
                _cloudwatch().put_metric_data("AWS/DMS", data)
            STATE["configs"].append(c)
    for name, fn in HANDLERS.items():
        setattr(DatabaseMigrationServiceResponse, name, fn)


def _find(arn):
    for c in STATE["configs"]:
        if c["arn"] == arn:
            return c
    raise ResourceNotFoundFault(f"Replication config {arn} not found.")


def _filtered(self):
    wanted_arns, wanted_ids = None, None
    for f in self._get_param("Filters") or []:
        if f.get("Name") == "replication-config-arn":
            wanted_arns = set(f.get("Values") or [])
        elif f.get("Name") == "replication-config-id":
            wanted_ids = set(f.get("Values") or [])
        else:
            raise InvalidParameterValue(f"Unknown filter {f.get('Name')}")
    out = []
    for c in STATE["configs"]:
        if wanted_arns is not None and c["arn"] not in wanted_arns:
            continue
        if wanted_ids is not None and c["config"]["ReplicationConfigIdentifier"] not in wanted_ids:
            continue
        out.append(c)
    return out


def _page(self, items):
    marker = self._get_param("Marker")
    size = self._get_int_param("MaxRecords", 100) or 100
    start = int(marker) if marker else 0
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _advance(c):
    """One step of a transitional state (called per DescribeReplications)."""
    r = c["replication"]
    if r is None:
        return
    s = r.get("Status")
    if s in PHASES:
        i = PHASES.index(s)
        if c["fail"] and s == "testing_connection":
            r["Status"] = "failed"
            r["FailureMessages"] = [c["fail"]]
            r["StopReason"] = "Stop Reason FATAL_ERROR"
            r["ProvisionData"] = {"ProvisionState": "deprovisioned", "ProvisionedCapacityUnits": 0}
            _orchestrate(c, "failed", "Replication failed", c["fail"])
            return
        nxt = PHASES[i + 1] if i + 1 < len(PHASES) else "running"
        r["Status"] = nxt
        if nxt == "provisioning_capacity":
            r["ProvisionData"] = {"ProvisionState": "provisioning", "ProvisionedCapacityUnits": 0}
        if nxt in ("replication_starting", "running"):
            dcu = (c["config"].get("ComputeConfig") or {}).get("MinCapacityUnits", 2)
            r["ProvisionData"] = {"ProvisionState": "provisioned", "ProvisionedCapacityUnits": dcu, "DateProvisioned": time.time(),
                                  "IsNewProvisioningAvailable": False}
        _orchestrate(c, nxt, "Replication is running" if nxt == "running" else nxt.replace("_", " "))
    elif s == "stopping":
        r["Status"] = "stopped"
        r["StopReason"] = "Stop Reason NORMAL"
        r["ReplicationLastStopTime"] = time.time()
        r["ProvisionData"] = {"ProvisionState": "deprovisioned", "ProvisionedCapacityUnits": 0}
        _orchestrate(c, "stopped", "Replication stopped")


def describe_replication_configs(self):
    with LOCK:
        items, marker = _page(self, [dict(c["config"]) for c in _filtered(self)])
    out = {"ReplicationConfigs": items}
    if marker:
        out["Marker"] = marker
    return json.dumps(out)


def describe_replications(self):
    with LOCK:
        chosen = _filtered(self)
        for c in chosen:
            _advance(c)
        items, marker = _page(self, [dict(c["replication"]) for c in chosen if c["replication"] is not None])
    out = {"Replications": items}
    if marker:
        out["Marker"] = marker
    return json.dumps(out)


def describe_replication_table_statistics(self):
    arn = self._get_param("ReplicationConfigArn")
    with LOCK:
        c = _find(arn)
        rows = [dict(t) for t in c["tables"]] if c["replication"] is not None else []
        rows, marker = _page(self, rows)
    out = {"ReplicationConfigArn": arn, "ReplicationTableStatistics": rows}
    if marker:
        out["Marker"] = marker
    return json.dumps(out)


def start_replication(self):
    arn = self._get_param("ReplicationConfigArn")
    kind = self._get_param("StartReplicationType")
    if kind not in ("start-replication", "resume-processing", "reload-target"):
        raise InvalidParameterValue(f"Invalid StartReplicationType {kind}")
    with LOCK:
        c = _find(arn)
        if c["read_only"]:
            raise InvalidResourceStateFault("Replication is read-only (zero-ETL integration).")
        r = c["replication"]
        first = r is None or not r.get("StartReplicationType")
        if first != (kind == "start-replication"):
            raise InvalidParameterCombination(
                "start-replication is only for the first run" if not first else "The first run must be start-replication")
        if r is not None and r.get("Status") not in ("created", "ready", "stopped", "failed"):
            raise InvalidResourceStateFault(f"Replication is currently {r.get('Status')} and cannot be started.")
        if r is None:
            cfg = c["config"]
            r = {"ReplicationConfigIdentifier": cfg["ReplicationConfigIdentifier"], "ReplicationConfigArn": arn,
                 "SourceEndpointArn": cfg.get("SourceEndpointArn"), "TargetEndpointArn": cfg.get("TargetEndpointArn"),
                 "ReplicationType": cfg.get("ReplicationType"), "ReplicationCreateTime": time.time(), "IsReadOnly": False}
            r = {k: v for k, v in r.items() if v is not None}
            c["replication"] = r
        r.update({"Status": "initializing", "StartReplicationType": kind, "FailureMessages": [], "ReplicationUpdateTime": time.time()})
        r.pop("StopReason", None)
        for k in ("CdcStartTime", "CdcStartPosition", "CdcStopPosition"):
            if self._get_param(k) is not None:
                r[k] = self._get_param(k)
        STATE["actions"].append({"op": "StartReplication", "arn": arn, "type": kind})
        _orchestrate(c, "initializing", "Initializing the replication")
        return json.dumps({"Replication": dict(r)})


def stop_replication(self):
    arn = self._get_param("ReplicationConfigArn")
    with LOCK:
        c = _find(arn)
        if c["read_only"]:
            raise InvalidResourceStateFault("Replication is read-only (zero-ETL integration).")
        r = c["replication"]
        if r is None or (r.get("Status") != "running" and r.get("Status") not in PHASES):
            raise InvalidResourceStateFault("Replication is not running")
        r["Status"] = "stopping"
        STATE["actions"].append({"op": "StopReplication", "arn": arn})
        _orchestrate(c, "stopping", "Stop requested by user")
        return json.dumps({"Replication": dict(r)})


def reload_replication_tables(self):
    arn = self._get_param("ReplicationConfigArn")
    tables = self._get_param("TablesToReload") or []
    option = self._get_param("ReloadOption") or "data-reload"
    if option not in ("data-reload", "validate-only"):
        raise InvalidParameterValue(f"invalid ReloadOption {option}")
    with LOCK:
        c = _find(arn)
        if c["read_only"]:
            raise InvalidResourceStateFault("Replication is read-only (zero-ETL integration).")
        if c["replication"] is None or c["replication"].get("Status") != "running":
            raise InvalidResourceStateFault("Replication is not running")
        matched = 0
        for t in tables:
            STATE["actions"].append({"op": "ReloadReplicationTables", "arn": arn, "schema": t["SchemaName"],
                                     "table": t["TableName"], "option": option})
            for row in c["tables"]:
                if row.get("SchemaName") == t["SchemaName"] and row.get("TableName") == t["TableName"]:
                    matched += 1
                    if option == "data-reload":
                        row["TableState"] = "Table is being reloaded"
                    else:
                        row["ValidationState"] = "Pending revalidation"
        if not matched:
            raise InvalidParameterValue("None of the tables to reload are part of the replication.")
    return json.dumps({"ReplicationConfigArn": arn})


HANDLERS = {
    "describe_replication_configs": describe_replication_configs,
    "describe_replications": describe_replications,
    "describe_replication_table_statistics": describe_replication_table_statistics,
    "start_replication": start_replication,
    "stop_replication": stop_replication,
    "reload_replication_tables": reload_replication_tables,
}
