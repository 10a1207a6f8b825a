import CLibPQ
import DMSReconcile
import Foundation

/// One libpq connection. Used by one statement at a time (the pool sees to it); `cancel()` may come from any thread.
final class PostgresConnection: RawConnection, @unchecked Sendable {
  private var conn: OpaquePointer?
  private var cancelHandle: OpaquePointer?
  private let cancelLock = NSLock()
  private var cancelled = false
  let settings: DatabaseSettings

  init(_ s: DatabaseSettings) throws {
    settings = s
    let timeoutMs = Int((s.statementTimeout * 1000).rounded())
    let sslmode: String
    switch s.tls {
    case .disable: sslmode = "disable"
    case .prefer: sslmode = "prefer"
    case .require: sslmode = "require"
    case .verifyFull: sslmode = "verify-full"
    }
    // The session is read-only by default and every statement has a timeout, on top of the
    // explicit read-only transaction around each query. Times are read in UTC.
    var params: [(String, String)] = [
      ("host", s.host), ("port", String(s.port)), ("dbname", s.database), ("user", s.user),
      ("sslmode", sslmode), ("connect_timeout", String(max(1, Int(s.connectTimeout.rounded(.up))))),
      ("application_name", "dmswatch-reconcile"),
      ("options", "-c default_transaction_read_only=on -c statement_timeout=\(timeoutMs) -c TimeZone=UTC -c DateStyle=ISO"),
    ]
    if let p = s.password { params.append(("password", p.reveal())) }
    let c = Self.connect(params)
    conn = c
    guard let c, dmsw_pq_connection_ok(c) != 0 else {
      let msg = c.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "out of memory"
      if let c { PQfinish(c) }
      conn = nil
      throw Self.connectError(msg, s)
    }
    cancelHandle = PQgetCancel(c)
  }

  private static func connect(_ params: [(String, String)]) -> OpaquePointer? {
    let keys = params.map { strdup($0.0) }
    let values = params.map { strdup($0.1) }
    defer {
      keys.forEach { free($0) }
      values.forEach { free($0) }
    }
    var k: [UnsafePointer<CChar>?] = keys.map { UnsafePointer($0) } + [nil]
    var v: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) } + [nil]
    return k.withUnsafeMutableBufferPointer { kp in
      v.withUnsafeMutableBufferPointer { vp in PQconnectdbParams(kp.baseAddress, vp.baseAddress, 0) }
    }
  }

  static func connectError(_ raw: String, _ s: DatabaseSettings) -> DatabaseError {
    let msg = raw.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
    let lower = msg.lowercased()
    if lower.contains("password authentication failed") || lower.contains("no password supplied")
      || lower.contains("authentication failed") || lower.contains("role \"") && lower.contains("does not exist")
    {
      return DatabaseError(.authentication, "\(s.label): authentication failed (\(msg))")
    }
    return DatabaseError(.unreachable, "\(s.label): cannot connect (\(msg))")
  }

  func cancel() {
    cancelLock.lock()
    defer { cancelLock.unlock() }
    cancelled = true
    guard let h = cancelHandle else { return }
    var buf = [CChar](repeating: 0, count: 256)
    _ = PQcancel(h, &buf, Int32(buf.count))
  }

  private func exec(_ sql: String) throws -> OpaquePointer {
    guard let c = conn else { throw DatabaseError(.unreachable, "\(settings.label): connection closed") }
    guard let r = PQexec(c, sql) else {
      throw DatabaseError(.unreachable, "\(settings.label): \(String(cString: PQerrorMessage(c)))")
    }
    if dmsw_pq_result_is_error(r) != 0 {
      let state = String(cString: dmsw_pq_sqlstate(r))
      let msg = String(cString: PQresultErrorMessage(r)).trimmingCharacters(in: .whitespacesAndNewlines)
      PQclear(r)
      if PQstatus(c) == CONNECTION_BAD {
        throw DatabaseError(.unreachable, "\(settings.label): connection lost (\(msg))")
      }
      cancelLock.lock()
      let wasCancelled = cancelled
      cancelLock.unlock()
      if state == "57014" {
        throw wasCancelled
          ? DatabaseError(.cancelled, "\(settings.label): cancelled")
          : DatabaseError(.timeout, "\(settings.label): statement timeout (\(Int(settings.statementTimeout)) s) exceeded")
      }
      throw DatabaseError(.query, "\(settings.label): \(msg)")
    }
    return r
  }

  func run(_ sql: String) throws -> [[String?]] {
    try StatementGuard.check(sql)
    PQclear(try exec("START TRANSACTION READ ONLY"))
    let r: OpaquePointer
    do {
      r = try exec(sql)
    } catch {
      if let c = conn, dmsw_pq_in_transaction(c) != 0, let rb = PQexec(c, "ROLLBACK") { PQclear(rb) }
      throw error
    }
    defer { PQclear(r) }
    var rows: [[String?]] = []
    if dmsw_pq_result_tuples(r) != 0 {
      let n = PQntuples(r)
      let f = PQnfields(r)
      rows.reserveCapacity(Int(n))
      for i in 0..<n {
        var row: [String?] = []
        row.reserveCapacity(Int(f))
        for j in 0..<f {
          if PQgetisnull(r, i, j) != 0 {
            row.append(nil)
          } else {
            row.append(String(cString: PQgetvalue(r, i, j)))
          }
        }
        rows.append(row)
      }
    }
    PQclear(try exec("COMMIT"))
    return rows
  }

  func close() {
    cancelLock.lock()
    if let h = cancelHandle { PQfreeCancel(h) }
    cancelHandle = nil
    cancelLock.unlock()
    if let c = conn { PQfinish(c) }
    conn = nil
  }

  deinit { close() }
}
