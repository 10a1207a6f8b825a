import DMSWatchModel
import Foundation

/// CloudWatch over awsJson1_0 with `x-amzn-query-mode: true`.
public final class AWSCloudWatchClient: MetricsService {
  public let caller: AWSCaller
  public static let maxQueriesPerCall = 500
  public static let maxPages = 100
  public init(caller: AWSCaller) { self.caller = caller }
}

extension AWSCloudWatchClient {
  /// `[a-z][A-Za-z0-9_]*`, as GetMetricData requires.
  public static func isValidId(_ id: String) -> Bool {
    guard let f = id.utf8.first, f >= UInt8(ascii: "a"), f <= UInt8(ascii: "z") else { return false }
    return id.utf8.allSatisfy { b in
      (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "_")
    }
  }

  static func queryJSON(_ q: MetricQuery, period: Int) -> JSONValue {
    .object([
      ("Id", .string(q.id)),
      (
        "MetricStat",
        .object([
          (
            "Metric",
            .object([
              ("Namespace", .string(q.namespace)),
              ("MetricName", .string(q.metricName)),
              ("Dimensions", .array(q.dimensions.map { .object([("Name", .string($0.name)), ("Value", .string($0.value))]) })),
            ])
          ),
          ("Period", .int(Int64(period))),
          ("Stat", .string(q.stat)),
        ])
      ),
      ("ReturnData", .bool(true)),
    ])
  }

  public func getMetricData(queries: [MetricQuery], start: Date, end: Date, period: Int) async throws -> [MetricResult] {
    guard period > 0, period % 60 == 0 else {
      throw ServiceError(kind: .client, code: "InvalidParameterValue", message: "period \(period) is not a positive multiple of 60")
    }
    if let bad = queries.first(where: { !Self.isValidId($0.id) }) {
      throw ServiceError(kind: .client, code: "InvalidParameterValue", message: "metric query id '\(bad.id)' must match [a-z][A-Za-z0-9_]*")
    }
    var results: [MetricResult] = []
    var chunkStart = 0
    while chunkStart < queries.count {
      let chunk = Array(queries[chunkStart..<min(queries.count, chunkStart + Self.maxQueriesPerCall)])
      results += try await fetch(chunk, start: start, end: end, period: period)
      chunkStart += Self.maxQueriesPerCall
    }
    return results
  }

  private func fetch(_ chunk: [MetricQuery], start: Date, end: Date, period: Int) async throws -> [MetricResult] {
    var order: [String] = chunk.map(\.id)
    var byId: [String: (label: String?, status: String?, points: [SeriesPoint])] = [:]
    var token: String? = nil
    var seen = Set<String>()
    for _ in 0..<Self.maxPages {
      var b = JSONObjectBuilder()
      b.set("MetricDataQueries", .array(chunk.map { Self.queryJSON($0, period: period) }))
      b.set("StartTime", start)
      b.set("EndTime", end)
      b.set("NextToken", token)
      b.set("ScanBy", "TimestampAscending")
      let out = try await caller.json("GetMetricData", b.value)
      for r in out["MetricDataResults"]?.array ?? [] {
        let decoded = try Self.result(r)
        if byId[decoded.id] == nil, !order.contains(decoded.id) { order.append(decoded.id) }
        var cur = byId[decoded.id] ?? (nil, nil, [])
        cur.label = decoded.label ?? cur.label
        // PartialData on an earlier page, Complete on the last: keep the last word.
        cur.status = decoded.statusCode ?? cur.status
        cur.points += decoded.points
        byId[decoded.id] = cur
      }
      guard let next = out["NextToken"]?.string, !next.isEmpty else {
        return order.compactMap { id in
          byId[id].map { MetricResult(id: id, label: $0.label, points: Self.ascending($0.points), statusCode: $0.status) }
        }
      }
      if !seen.insert(next).inserted {
        throw ServiceError(kind: .malformed, code: "PaginationLoop", message: "GetMetricData returned NextToken twice")
      }
      token = next
    }
    throw ServiceError(kind: .malformed, code: "PaginationLimit", message: "GetMetricData: more than \(Self.maxPages) pages")
  }

  /// Sorted by time, one point per timestamp (the later page wins).
  static func ascending(_ pts: [SeriesPoint]) -> [SeriesPoint] {
    var byTime: [Date: Double] = [:]
    for p in pts { byTime[p.time] = p.value }
    return byTime.map { SeriesPoint(time: $0.key, value: $0.value) }.sorted { $0.time < $1.time }
  }

  public static func result(_ r: JSONValue) throws -> MetricResult {
    guard let id = r["Id"]?.string else { throw AWSErrorMapper.malformed("monitoring", "GetMetricData", "result without Id") }
    let ts = r["Timestamps"]?.array ?? []
    let vs = r["Values"]?.array ?? []
    guard ts.count == vs.count else {
      throw AWSErrorMapper.malformed("monitoring", "GetMetricData", "\(id): \(ts.count) timestamps but \(vs.count) values")
    }
    var pts: [SeriesPoint] = []
    pts.reserveCapacity(ts.count)
    for (t, v) in zip(ts, vs) {
      guard let d = t.date, let x = v.double else {
        throw AWSErrorMapper.malformed("monitoring", "GetMetricData", "\(id): bad timestamp or value")
      }
      pts.append(SeriesPoint(time: d, value: x))
    }
    return MetricResult(id: id, label: r["Label"]?.string, points: ascending(pts), statusCode: r["StatusCode"]?.string)
  }

  /// ListMetrics, every page (NextToken; a repeated token is an error): each metric's dimensions.
  public func listMetrics(namespace: String, metricName: String) async throws -> [[String: String]] {
    var out: [[String: String]] = []
    var token: String? = nil
    var seen = Set<String>()
    for _ in 0..<Self.maxPages {
      var b = JSONObjectBuilder()
      b.set("Namespace", namespace)
      b.set("MetricName", metricName)
      b.set("NextToken", token)
      let page = try await caller.json("ListMetrics", b.value)
      out += try Self.listedDimensions(page)
      guard let next = page["NextToken"]?.string, !next.isEmpty else { return out }
      if !seen.insert(next).inserted {
        throw ServiceError(kind: .malformed, code: "PaginationLoop", message: "ListMetrics returned NextToken twice")
      }
      token = next
    }
    throw ServiceError(kind: .malformed, code: "PaginationLimit", message: "ListMetrics: more than \(Self.maxPages) pages")
  }

  /// `Metrics[].Dimensions[]` of one ListMetrics page as name → value maps.
  public static func listedDimensions(_ page: JSONValue) throws -> [[String: String]] {
    guard let raw = page["Metrics"], !raw.isNull else { return [] }
    guard let metrics = raw.array else { throw AWSErrorMapper.malformed("monitoring", "ListMetrics", "Metrics is not a list") }
    return metrics.map { m in
      var d: [String: String] = [:]
      for x in m["Dimensions"]?.array ?? [] {
        if let n = x["Name"]?.string, let v = x["Value"]?.string { d[n] = v }
      }
      return d
    }
  }
}
