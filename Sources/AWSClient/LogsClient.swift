import DMSWatchModel
import Foundation

/// CloudWatch Logs over JSON 1.1 (target Logs_20140328).
public final class AWSLogsClient: LogsService {
  public let caller: AWSCaller
  public init(caller: AWSCaller) { self.caller = caller }
}

/// FilterLogEvents item.
public struct FilteredLogEvent: Sendable, Equatable {
  public var stream: String
  public var event: LogEvent
  public var eventId: String?
}

public struct FilteredLogEventsPage: Sendable {
  public var events: [FilteredLogEvent]
  public var nextToken: String?
}

extension AWSLogsClient {
  static func millis(_ d: Date) -> JSONValue { .int(Int64((d.timeIntervalSince1970 * 1000).rounded(.down))) }

  static func event(_ v: JSONValue) throws -> LogEvent {
    guard let ms = v["timestamp"]?.double else { throw AWSErrorMapper.malformed("logs", "GetLogEvents", "event without timestamp") }
    return LogEvent(timestamp: Date(timeIntervalSince1970: ms / 1000), message: v["message"]?.string ?? "")
  }

  /// GetLogEvents with startFromHead. At the end of the stream the service echoes the token it was
  /// sent (and no events); keep polling with that token to tail new events. `startTime` applies
  /// only to the first call (no token).
  public func getLogEvents(group: String, stream: String, startTime: Date?, nextToken: String?, limit: Int) async throws -> LogEventsPage {
    var b = JSONObjectBuilder()
    b.set("logGroupName", group)
    b.set("logStreamName", stream)
    if nextToken == nil { b.set("startTime", startTime.map(Self.millis)) }
    b.set("nextToken", nextToken)
    b.set("limit", min(10_000, max(1, limit)))
    b.set("startFromHead", true)
    let out = try await caller.json("GetLogEvents", b.value)
    let events = try (out["events"]?.array ?? []).map(Self.event)
    return LogEventsPage(events: events, nextForwardToken: out["nextForwardToken"]?.string ?? nextToken)
  }

  /// FilterLogEvents over stream names (≤100) or a prefix.
  public func filterLogEvents(
    group: String, streams: [String] = [], streamPrefix: String? = nil, pattern: String? = nil, startTime: Date? = nil,
    endTime: Date? = nil, nextToken: String? = nil, limit: Int = 1000
  ) async throws -> FilteredLogEventsPage {
    guard streams.count <= 100 else {
      throw ServiceError(kind: .client, code: "InvalidParameterException", message: "at most 100 log stream names per call")
    }
    guard streams.isEmpty || streamPrefix == nil else {
      throw ServiceError(kind: .client, code: "InvalidParameterException", message: "give stream names or a prefix, not both")
    }
    var b = JSONObjectBuilder()
    b.set("logGroupName", group)
    if !streams.isEmpty { b.set("logStreamNames", .array(streams.map { .string($0) })) }
    b.set("logStreamNamePrefix", streamPrefix)
    b.set("startTime", startTime.map(Self.millis))
    b.set("endTime", endTime.map(Self.millis))
    b.set("filterPattern", pattern)
    b.set("nextToken", nextToken)
    b.set("limit", min(10_000, max(1, limit)))
    let out = try await caller.json("FilterLogEvents", b.value)
    let events = try (out["events"]?.array ?? []).map { v in
      FilteredLogEvent(stream: v["logStreamName"]?.string ?? "", event: try Self.event(v), eventId: v["eventId"]?.string)
    }
    let next = out["nextToken"]?.string
    return FilteredLogEventsPage(events: events, nextToken: (next?.isEmpty ?? true) ? nil : next)
  }
}
