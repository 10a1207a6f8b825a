#!/usr/bin/env python3
"""Seed a moto (or dms_peer) server for dmswatch's Swift end-to-end tests.

    python3 seed.py ENDPOINT_URL [--region R] [--iam-user NAME]

Creates two replication instances, source/target endpoints and three tasks (one started), writes
CloudWatch datapoints for one task and CloudWatch Logs events to its log stream, and prints a JSON
summary (ARNs, metric points, log lines, and with --iam-user the access key of a new IAM user).
"""
import argparse
import datetime
import json
import sys

import boto3

KW = dict(aws_access_key_id="testing", aws_secret_access_key="testing")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("endpoint")
    ap.add_argument("--region", default="eu-west-1")
    ap.add_argument("--iam-user")
    ap.add_argument("--tasks", type=int, default=3)
    a = ap.parse_args()
    out = {"region": a.region}
    if a.iam_user:
        iam = boto3.client("iam", endpoint_url=a.endpoint, region_name="us-east-1", **KW)
        iam.create_user(UserName=a.iam_user)
        iam.put_user_policy(UserName=a.iam_user, PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName=a.iam_user)["AccessKey"]
        out["iam_access_key"] = key["AccessKeyId"]
        out["iam_secret_key"] = key["SecretAccessKey"]
        kw = dict(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    else:
        kw = KW
    dms = boto3.client("dms", endpoint_url=a.endpoint, region_name=a.region, **kw)
    ri = [dms.create_replication_instance(ReplicationInstanceIdentifier=f"rep-{i}", ReplicationInstanceClass="dms.t3.medium")
          ["ReplicationInstance"]["ReplicationInstanceArn"] for i in (1, 2)]
    src = dms.create_endpoint(EndpointIdentifier="src-ora", EndpointType="source", EngineName="oracle")["Endpoint"]["EndpointArn"]
    tgt = dms.create_endpoint(EndpointIdentifier="tgt-pg", EndpointType="target", EngineName="postgres")["Endpoint"]["EndpointArn"]
    tasks = []
    for i in range(a.tasks):
        t = dms.create_replication_task(
            ReplicationTaskIdentifier=f"task-{i}", SourceEndpointArn=src, TargetEndpointArn=tgt,
            ReplicationInstanceArn=ri[i % 2], MigrationType=["full-load", "cdc", "full-load-and-cdc"][i % 3],
            TableMappings=json.dumps({"rules": []}))["ReplicationTask"]
        tasks.append(t["ReplicationTaskArn"])
    dms.start_replication_task(ReplicationTaskArn=tasks[0], StartReplicationTaskType="start-replication")
    out.update(instances=ri, source=src, target=tgt, tasks=tasks)

    cw = boto3.client("cloudwatch", endpoint_url=a.endpoint, region_name=a.region, **kw)
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    task_id = tasks[0].split(":task:")[1]
    points = []
    for k in range(5):
        ts = now - datetime.timedelta(minutes=5 - k)
        points.append({"t": int(ts.timestamp()), "v": float(10 * (k + 1))})
        cw.put_metric_data(Namespace="AWS/DMS", MetricData=[{
            "MetricName": "CDCLatencySource", "Timestamp": ts, "Value": float(10 * (k + 1)), "Unit": "Seconds",
            "Dimensions": [{"Name": "ReplicationInstanceIdentifier", "Value": "rep-1"},
                           {"Name": "ReplicationTaskIdentifier", "Value": task_id}]}])
    out["metric_points"] = points
    out["task_resource_id"] = task_id

    logs = boto3.client("logs", endpoint_url=a.endpoint, region_name=a.region, **kw)
    group, stream = "dms-tasks-rep-1", f"dms-task-{task_id}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    base = int(now.timestamp() * 1000) - 60_000
    lines = [f"2026-11-23T10:10:{i:02d} [SOURCE_CAPTURE  ]I:  line {i} (file.c:{i})" for i in range(25)]
    lines[7] = "2026-11-23T10:10:07 [TARGET_APPLY    ]E:  ORA-01555 snapshot too old (apply.c:7)"
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": base + i * 100, "message": m} for i, m in enumerate(lines)])
    out.update(log_group=group, log_stream=stream, log_lines=lines, log_base_ms=base)
    sns = boto3.client("sns", endpoint_url=a.endpoint, region_name=a.region, **kw)
    out["topic_arn"] = sns.create_topic(Name="dmswatch-alerts")["TopicArn"]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
