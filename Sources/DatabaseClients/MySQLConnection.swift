import CMariaDB
import DMSReconcile
import Foundation

/// One MariaDB Connector/C connection (MySQL, MariaDB, Aurora MySQL). One statement at a time;
/// `cancel()` may come from any thread: it aborts the socket (`mariadb_cancel`) and the server's
/// statement timeout ends the query there.
final class MySQLConnection: RawConnection, @unchecked Sendable {
  private var handle: UnsafeMutablePointer<MYSQL>?
  private let cancelLock = NSLock()
  private var cancelled = false
  let settings: DatabaseSettings
  private(set) var isMariaDB = false

  init(_ s: DatabaseSettings) throws {
    settings = s
    guard let m = mysql_init(nil) else { throw DatabaseError(.unreachable, "\(s.label): out of memory") }
    handle = m
    let connectTimeout = UInt32(max(1, Int(s.connectTimeout.rounded(.up))))
    _ = dmsw_my_set_uint(m, dmsw_opt_connect_timeout(), connectTimeout)
    // The client gives up a little after the server-side statement timeout.
    _ = dmsw_my_set_uint(m, dmsw_opt_read_timeout(), UInt32(max(1, Int((s.statementTimeout + 5).rounded(.up)))))
    _ = dmsw_my_set_uint(m, dmsw_opt_write_timeout(), UInt32(max(1, Int((s.statementTimeout + 5).rounded(.up)))))
    _ = dmsw_my_set_str(m, dmsw_opt_charset(), "utf8mb4")
    _ = dmsw_my_set_bool(m, dmsw_opt_local_infile(), 0)
    switch s.tls {
    case .disable: break
    case .prefer:
      _ = dmsw_my_prefer_tls(m)
      _ = dmsw_my_set_bool(m, dmsw_opt_ssl_verify(), 0)
    case .require:
      _ = dmsw_my_prefer_tls(m)
      _ = dmsw_my_set_bool(m, dmsw_opt_ssl_enforce(), 1)
      _ = dmsw_my_set_bool(m, dmsw_opt_ssl_verify(), 0)
    case .verifyFull:
      _ = dmsw_my_prefer_tls(m)
      _ = dmsw_my_set_bool(m, dmsw_opt_ssl_enforce(), 1)
      _ = dmsw_my_set_bool(m, dmsw_opt_ssl_verify(), 1)
    }
    let ok = mysql_real_connect(m, s.host, s.user, s.password?.reveal(), s.database, UInt32(s.port), nil, 0)
    guard ok != nil else {
      let code = mysql_errno(m)
      let msg = String(cString: mysql_error(m))
      mysql_close(m)
      handle = nil
      if code == 1045 || code == 1044 || code == 1698 {
        throw DatabaseError(.authentication, "\(s.label): authentication failed (\(msg))")
      }
      throw DatabaseError(.unreachable, "\(s.label): cannot connect (\(msg))")
    }
    isMariaDB = String(cString: mysql_get_server_info(m)).lowercased().contains("mariadb")
    let timeout =
      isMariaDB
      ? "SET SESSION max_statement_time = \(String(format: "%.3f", s.statementTimeout))"
      : "SET SESSION max_execution_time = \(Int((s.statementTimeout * 1000).rounded()))"
    for stmt in ["SET SESSION TRANSACTION READ ONLY", "SET SESSION time_zone = '+00:00'", timeout] {
      do {
        _ = try exec(stmt, fetch: false)
      } catch {
        close()
        throw error
      }
    }
  }

  func cancel() {
    cancelLock.lock()
    defer { cancelLock.unlock() }
    cancelled = true
    if let m = handle { _ = mariadb_cancel(m) }
  }

  private func error(_ m: UnsafeMutablePointer<MYSQL>) -> DatabaseError {
    let code = mysql_errno(m)
    let msg = String(cString: mysql_error(m))
    cancelLock.lock()
    let wasCancelled = cancelled
    cancelLock.unlock()
    if wasCancelled { return DatabaseError(.cancelled, "\(settings.label): cancelled") }
    switch code {
    case 1969, 3024, 1028:  // MariaDB max_statement_time, MySQL max_execution_time, sort aborted
      return DatabaseError(.timeout, "\(settings.label): statement timeout (\(Int(settings.statementTimeout)) s) exceeded")
    case 1317:
      return DatabaseError(.cancelled, "\(settings.label): query interrupted")
    case 2002, 2003, 2005, 2006, 2013, 2055:
      return DatabaseError(.unreachable, "\(settings.label): connection lost (\(msg))")
    default:
      return DatabaseError(.query, "\(settings.label): \(msg)")
    }
  }

  @discardableResult
  private func exec(_ sql: String, fetch: Bool) throws -> [[String?]] {
    guard let m = handle else { throw DatabaseError(.unreachable, "\(settings.label): connection closed") }
    let length = UInt(sql.utf8.count)
    let rc = sql.withCString { mysql_real_query(m, $0, length) }
    guard rc == 0 else { throw error(m) }
    guard let res = mysql_store_result(m) else {
      if mysql_field_count(m) != 0 { throw error(m) }
      return []
    }
    defer { mysql_free_result(res) }
    guard fetch else { return [] }
    let n = mysql_num_fields(res)
    var rows: [[String?]] = []
    rows.reserveCapacity(Int(mysql_num_rows(res)))
    while let row = mysql_fetch_row(res) {
      guard let lens = mysql_fetch_lengths(res) else { break }
      var out: [String?] = []
      out.reserveCapacity(Int(n))
      for i in 0..<n {
        if let p = dmsw_my_cell(row, i) {
          let len = Int(dmsw_my_len(lens, i))
          out.append(p.withMemoryRebound(to: UInt8.self, capacity: len) { String(decoding: UnsafeBufferPointer(start: $0, count: len), as: UTF8.self) })
        } else {
          out.append(nil)
        }
      }
      rows.append(out)
    }
    if mysql_errno(m) != 0 { throw error(m) }
    return rows
  }

  func run(_ sql: String) throws -> [[String?]] {
    try StatementGuard.check(sql)
    try exec("START TRANSACTION READ ONLY", fetch: false)
    let rows: [[String?]]
    do {
      rows = try exec(sql, fetch: true)
    } catch {
      _ = try? exec("ROLLBACK", fetch: false)
      throw error
    }
    try exec("COMMIT", fetch: false)
    return rows
  }

  func close() {
    cancelLock.lock()
    defer { cancelLock.unlock() }
    if let m = handle { mysql_close(m) }
    handle = nil
  }

  deinit { close() }
}
