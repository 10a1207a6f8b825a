import DMSWatchModel
import Foundation

/// JSON → model decoders for the DMS Serverless shapes (botocore dms service-2.json). Lenient like
/// `DMSCodec`; strict only on the config ARN that identifies a row.
public enum ServerlessCodec {
  public static func config(_ v: JSONValue) throws -> ReplicationConfig {
    let arn = try DMSCodec.req(v, "ReplicationConfigArn", "replication config")
    let compute = v["ComputeConfig"]
    return ReplicationConfig(
      identifier: nonEmpty(v["ReplicationConfigIdentifier"]?.string) ?? ReplicationTask.resourceId(fromArn: arn), arn: arn,
      sourceEndpointArn: v["SourceEndpointArn"]?.string, targetEndpointArn: v["TargetEndpointArn"]?.string,
      replicationType: v["ReplicationType"]?.string, minCapacityUnits: compute?["MinCapacityUnits"]?.int,
      maxCapacityUnits: compute?["MaxCapacityUnits"]?.int, createTime: v["ReplicationConfigCreateTime"]?.date,
      updateTime: v["ReplicationConfigUpdateTime"]?.date, isReadOnly: v["IsReadOnly"]?.bool)
  }

  public static func replication(_ v: JSONValue) throws -> Replication {
    let arn = try DMSCodec.req(v, "ReplicationConfigArn", "replication")
    let p = v["ProvisionData"].flatMap { $0.isNull ? nil : $0 }
    return Replication(
      configIdentifier: nonEmpty(v["ReplicationConfigIdentifier"]?.string) ?? ReplicationTask.resourceId(fromArn: arn),
      configArn: arn, status: nonEmpty(v["Status"]?.string) ?? "unknown",
      sourceEndpointArn: v["SourceEndpointArn"]?.string, targetEndpointArn: v["TargetEndpointArn"]?.string,
      replicationType: v["ReplicationType"]?.string,
      provision: p.map {
        ProvisionData(
          provisionState: $0["ProvisionState"]?.string, provisionedCapacityUnits: $0["ProvisionedCapacityUnits"]?.int,
          dateProvisioned: $0["DateProvisioned"]?.date, isNewProvisioningAvailable: $0["IsNewProvisioningAvailable"]?.bool,
          dateNewProvisioningDataAvailable: $0["DateNewProvisioningDataAvailable"]?.date,
          reasonForNewProvisioningData: $0["ReasonForNewProvisioningData"]?.string)
      },
      premigrationAssessments: (v["PremigrationAssessmentStatuses"]?.array ?? []).map(assessment),
      stopReason: v["StopReason"]?.string,
      failureMessages: (v["FailureMessages"]?.array ?? []).compactMap { $0.string },
      stats: v["ReplicationStats"].flatMap { $0.isNull ? nil : DMSCodec.stats($0) },
      startReplicationType: v["StartReplicationType"]?.string, cdcStartTime: v["CdcStartTime"]?.date,
      cdcStartPosition: v["CdcStartPosition"]?.string, cdcStopPosition: v["CdcStopPosition"]?.string,
      recoveryCheckpoint: v["RecoveryCheckpoint"]?.string, createTime: v["ReplicationCreateTime"]?.date,
      updateTime: v["ReplicationUpdateTime"]?.date, lastStopTime: v["ReplicationLastStopTime"]?.date,
      deprovisionTime: v["ReplicationDeprovisionTime"]?.date, isReadOnly: v["IsReadOnly"]?.bool)
  }

  static func assessment(_ v: JSONValue) -> PremigrationAssessmentStatus {
    let progress = v["AssessmentProgress"]
    var percent: Int? = nil
    if let total = progress?["IndividualAssessmentCount"]?.int, total > 0,
      let done = progress?["IndividualAssessmentCompletedCount"]?.int
    {
      percent = max(0, min(100, done * 100 / total))
    }
    return PremigrationAssessmentStatus(
      runArn: v["PremigrationAssessmentRunArn"]?.string, status: v["Status"]?.string, progressPercent: percent,
      lastFailureMessage: v["LastFailureMessage"]?.string, createdAt: v["PremigrationAssessmentRunCreationDate"]?.date)
  }

  static func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
}
