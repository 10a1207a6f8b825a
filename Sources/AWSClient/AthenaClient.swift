import DMSWatchModel
import Foundation

/// Athena StartQueryExecution / GetQueryExecution / GetQueryResults over the signed JSON 1.1 client.
public final class AWSAthenaClient: Sendable {
  public let caller: AWSCaller
  public let workGroup: String?
  public let outputLocation: String?
  public init(caller: AWSCaller, workGroup: String? = nil, outputLocation: String? = nil) {
    self.caller = caller
    self.workGroup = workGroup
    self.outputLocation = outputLocation
  }

  public func startQuery(_ sql: String, database: String) async throws -> String {
    var b = JSONObjectBuilder()
    b.set("QueryString", sql)
    b.set("QueryExecutionContext", .object([("Database", .string(database))]))
    if let o = outputLocation { b.set("ResultConfiguration", .object([("OutputLocation", .string(o))])) }
    b.set("WorkGroup", workGroup)
    b.set("ClientRequestToken", UUID().uuidString)
    let out = try await caller.json("StartQueryExecution", b.value)
    guard let id = out["QueryExecutionId"]?.string else {
      throw AWSErrorMapper.malformed("athena", "StartQueryExecution", "no QueryExecutionId")
    }
    return id
  }

  /// `QUEUED | RUNNING | SUCCEEDED | FAILED | CANCELLED`, and the reason when it did not succeed.
  public func state(of id: String) async throws -> (state: String, reason: String?) {
    let out = try await caller.json("GetQueryExecution", .object([("QueryExecutionId", .string(id))]))
    let status = out["QueryExecution"]?["Status"]
    return (status?["State"]?.string ?? "UNKNOWN", status?["StateChangeReason"]?.string)
  }

  /// Every page of the result; the first row is the header when Athena sends one (SELECT results do).
  public func results(of id: String, maxPages: Int = 100) async throws -> [[String?]] {
    var rows: [[String?]] = []
    var token: String?
    var pages = 0
    repeat {
      var b = JSONObjectBuilder()
      b.set("QueryExecutionId", id)
      b.set("NextToken", token)
      b.set("MaxResults", 1000)
      let out = try await caller.json("GetQueryResults", b.value)
      for r in out["ResultSet"]?["Rows"]?.array ?? [] {
        rows.append((r["Data"]?.array ?? []).map { $0["VarCharValue"]?.string })
      }
      token = out["NextToken"]?.string
      pages += 1
    } while token != nil && pages < maxPages
    return rows
  }

  public func stop(_ id: String) async {
    _ = try? await caller.json("StopQueryExecution", .object([("QueryExecutionId", .string(id))]))
  }
}
