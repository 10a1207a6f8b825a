#!/usr/bin/env python3
"""Random, schema-valid responses for every AWS operation dmswatch decodes.

    python3 gen_shapes.py OUT_DIR [--count 200] [--seed 1]

Walks botocore's service models (the installed botocore) for each operation's output shape and
writes OUT_DIR/<service>.<Operation>.json = {"responses": [{"body": <response JSON>, "expect": …}]}.
Members are included at random (required ones always), strings take enum values or random text
with quotes, escapes and non-ASCII, numbers span their min/max, timestamps come as epoch
integers, epoch floats, ISO with a zone and ISO without one (moto). The fields the dashboard
keys on (ARNs, table names, event dates, metric ids) are always present, and metric Timestamps
and Values have equal lengths, as the service guarantees. `expect` summarises what a correct
decoder must read back.
"""
import argparse
import datetime
import json
import os
import random
import string

import botocore.session

OPS = {
    "dms": ["DescribeReplicationTasks", "DescribeTableStatistics", "DescribeEvents", "StartReplicationTask",
            "StopReplicationTask", "ReloadTables", "DescribeReplicationInstances", "DescribeEndpoints",
            "TestConnection", "DescribeConnections",
            # DMS Serverless
            "DescribeReplicationConfigs", "DescribeReplications", "DescribeReplicationTableStatistics",
            "StartReplication", "StopReplication", "ReloadReplicationTables"],
    "cloudwatch": ["GetMetricData", "ListMetrics"],
    "logs": ["GetLogEvents", "FilterLogEvents"],
}
ALWAYS = {"ReplicationTaskArn", "TableName", "SchemaName", "Date", "Id", "EndpointArn", "ReplicationInstanceArn", "timestamp",
          "ReplicationConfigArn"}
TEXT = string.ascii_letters + string.digits + " -_:/.\"\\'\n\t{}[]" + "äöüßéñ日本語🚀"


class Gen:
    def __init__(self, rng):
        self.rng = rng

    def timestamp(self):
        r = self.rng
        t = r.uniform(1.2e9, 2.0e9)
        kind = r.randrange(4)
        if kind == 0:
            return int(t), float(int(t))
        if kind == 1:
            t = round(t, 3)
            return t, t
        d = datetime.datetime.fromtimestamp(round(t, 6), datetime.timezone.utc)
        if kind == 2:
            return d.isoformat().replace("+00:00", "Z"), d.timestamp()
        return d.replace(tzinfo=None).isoformat(), d.timestamp()

    def value(self, shape, depth, name=""):
        r = self.rng
        t = shape.type_name
        if t == "structure":
            out = {}
            req = set(shape.required_members)
            for m, s in shape.members.items():
                if m in req or m in ALWAYS or (depth < 5 and r.random() < 0.7):
                    v = self.value(s, depth + 1, m)
                    if v is not None:
                        out[m] = v
            return out
        if t == "list":
            if depth > 6:
                return []
            return [self.value(shape.member, depth + 1, name) for _ in range(r.randrange(0, 5))]
        if t == "map":
            return {self.string(None, 8): self.value(shape.value, depth + 1) for _ in range(r.randrange(0, 3))}
        if t == "string":
            enum = shape.metadata.get("enum")
            if enum:
                return r.choice(enum)
            if name.endswith("Arn"):
                return f"arn:aws:dms:eu-west-1:123456789012:{name[:4].lower()}:{self.string(string.ascii_uppercase + string.digits, 26)}"
            return self.string(None, r.randrange(1 if name in ALWAYS else 0, 40))
        if t in ("integer", "long"):
            lo = shape.metadata.get("min", 0 if r.random() < 0.8 else -(2 ** 31))
            hi = shape.metadata.get("max", 2 ** 31 - 1 if t == "integer" else 2 ** 53)
            return r.choice([lo, hi, r.randint(lo, hi), r.randint(lo, min(hi, 1000))])
        if t in ("double", "float"):
            return r.choice([0.0, r.uniform(0, 100), r.uniform(-1e6, 1e9), 1e-7])
        if t == "boolean":
            return r.random() < 0.5
        if t == "timestamp":
            return self.timestamp()[0]
        if t == "blob":
            return "AAEC"
        raise ValueError(t)

    def string(self, alphabet, n):
        return "".join(self.rng.choice(alphabet or TEXT) for _ in range(n))


def epoch(v):
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    s = v[:-1] + "+00:00" if v.endswith("Z") else v
    d = datetime.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.timestamp()


def expect(service, op, body):
    if op in ("DescribeReplicationTasks",):
        return [[t["ReplicationTaskArn"], t.get("Status"), (t.get("ReplicationTaskStats") or {}).get("TablesLoaded"),
                 epoch(t.get("ReplicationTaskStartDate"))] for t in body.get("ReplicationTasks", [])]
    if op in ("StartReplicationTask", "StopReplicationTask"):
        t = body.get("ReplicationTask")
        return None if t is None else [[t["ReplicationTaskArn"], t.get("Status"),
                                        (t.get("ReplicationTaskStats") or {}).get("TablesLoaded"), epoch(t.get("ReplicationTaskStartDate"))]]
    if op in ("DescribeTableStatistics", "DescribeReplicationTableStatistics"):
        key = "TableStatistics" if op == "DescribeTableStatistics" else "ReplicationTableStatistics"
        return [[s["SchemaName"], s["TableName"], s.get("Inserts"), s.get("TableState"), epoch(s.get("LastUpdateTime")),
                 s.get("ResyncProgress"), s.get("ResyncState"), s.get("ResyncRowsAttempted"), s.get("ResyncRowsSucceeded"),
                 s.get("ResyncRowsFailed")] for s in body.get(key, [])]
    if op == "DescribeReplicationConfigs":
        return [[c["ReplicationConfigArn"], c.get("ReplicationConfigIdentifier") or None, c.get("ReplicationType"),
                 (c.get("ComputeConfig") or {}).get("MinCapacityUnits"), (c.get("ComputeConfig") or {}).get("MaxCapacityUnits"),
                 c.get("IsReadOnly"), epoch(c.get("ReplicationConfigCreateTime"))] for c in body.get("ReplicationConfigs", [])]
    if op == "DescribeReplications":
        return [replication(r) for r in body.get("Replications", [])]
    if op in ("StartReplication", "StopReplication"):
        r = body.get("Replication")
        return None if r is None else [replication(r)]
    if op == "ListMetrics":
        return [{d["Name"]: d["Value"] for d in m.get("Dimensions", []) if "Name" in d and "Value" in d}
                for m in body.get("Metrics", [])]
    if op == "DescribeEvents":
        return [[e.get("SourceIdentifier", ""), e.get("Message", ""), epoch(e["Date"])] for e in body.get("Events", [])]
    if op == "DescribeReplicationInstances":
        return [[i["ReplicationInstanceArn"], i.get("ReplicationInstanceStatus")] for i in body.get("ReplicationInstances", [])]
    if op == "DescribeEndpoints":
        return [[e["EndpointArn"], e.get("EngineName")] for e in body.get("Endpoints", [])]
    if op == "GetMetricData":
        return [[m["Id"], len(m.get("Timestamps", []))] for m in body.get("MetricDataResults", [])]
    if op in ("GetLogEvents", "FilterLogEvents"):
        return [[e.get("message", ""), e["timestamp"]] for e in body.get("events", [])]
    return None


def replication(r):
    p = r.get("ProvisionData") or {}
    return [r["ReplicationConfigArn"], r.get("Status") or "unknown", p.get("ProvisionState"), p.get("ProvisionedCapacityUnits"),
            p.get("IsNewProvisioningAvailable"), r.get("FailureMessages", []), (r.get("ReplicationStats") or {}).get("TablesLoaded"),
            epoch(r.get("CdcStartTime")), r.get("IsReadOnly"), len(r.get("PremigrationAssessmentStatuses", [])),
            r.get("StopReason"), r.get("RecoveryCheckpoint")]


def fix(op, body, rng):
    # Service guarantees the schema cannot express.
    if op == "GetMetricData":
        for m in body.get("MetricDataResults", []):
            n = len(m.get("Timestamps", []))
            m["Values"] = [rng.uniform(-1e6, 1e6) for _ in range(n)]
            m["Id"] = "m" + "".join(rng.choice(string.ascii_letters + string.digits + "_") for _ in range(rng.randrange(0, 10)))
    if op in ("GetLogEvents", "FilterLogEvents"):
        for e in body.get("events", []):
            e["timestamp"] = rng.randint(0, 2 ** 42)
    if op == "ListMetrics":
        # Dimension names are unique within one metric.
        for m in body.get("Metrics", []):
            seen = set()
            m["Dimensions"] = [d for d in m.get("Dimensions", []) if d.get("Name") not in seen and not seen.add(d.get("Name"))]
    if op in ("TestConnection",) and "Connection" not in body:
        body["Connection"] = {}
    return body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    session = botocore.session.get_session()
    rng = random.Random(a.seed)
    g = Gen(rng)
    for svc, ops in OPS.items():
        model = session.get_service_model(svc)
        for op in ops:
            shape = model.operation_model(op).output_shape
            responses = []
            for _ in range(a.count):
                body = fix(op, g.value(shape, 0) if shape is not None else {}, rng)
                responses.append({"body": body, "expect": expect(svc, op, body)})
            with open(os.path.join(a.out, f"{svc}.{op}.json"), "w") as f:
                json.dump({"service": svc, "operation": op, "responses": responses}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
