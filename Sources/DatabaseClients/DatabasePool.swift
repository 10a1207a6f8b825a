import DMSReconcile
import Foundation

/// A blocking driver connection: one statement at a time, `cancel()` from any thread.
protocol RawConnection: AnyObject, Sendable {
  func run(_ sql: String) throws -> [[String?]]
  func cancel()
  func close()
}

/// The connections to one database: at most `maxConcurrent` statements at once, connections opened
/// on first use and closed after `idleClose` seconds without work. Blocking driver calls run on
/// their own dispatch queue, never on the caller's (main) actor; cancelling the calling task cancels
/// the statement (PQcancel / mariadb_cancel) and drops that connection.
public final class DatabasePool: DatabaseConnection, @unchecked Sendable {
  public let settings: DatabaseSettings
  public var dialect: SQLDialect { settings.dialect }
  public var label: String { settings.label }
  private let open: @Sendable (DatabaseSettings) throws -> any RawConnection
  private let queue = DispatchQueue(label: "dmswatch.db", attributes: .concurrent)
  private let state = PoolState()

  public init(settings: DatabaseSettings) throws {
    guard settings.dialect != .athena else { throw DatabaseError(.unsupported, "Athena is not a database pool") }
    self.settings = settings
    let dialect = settings.dialect
    open = { s -> any RawConnection in
      if dialect == .postgres { return try PostgresConnection(s) }
      return try MySQLConnection(s)
    }
  }

  /// Connections opened so far (tests check laziness and the limit).
  public var opened: Int { get async { await state.openedTotal } }
  public var peakConcurrent: Int { get async { await state.peak } }
  public var idleCount: Int { get async { await state.idle.count } }

  public func query(_ sql: String) async throws -> [[String?]] {
    try StatementGuard.check(sql)
    try Task.checkCancellation()
    await state.acquire(limit: max(1, settings.maxConcurrent))
    var conn: (any RawConnection)?
    var reusable = false
    defer {
      let c = conn
      let keep = reusable
      let idle = settings.idleClose
      Task { await self.state.release(c, keep: keep, idleClose: idle, pool: self) }
    }
    conn = await state.takeIdle()
    if conn == nil {
      let s = settings
      let open = self.open
      conn = try await onQueue { try open(s) }
      await state.countOpen()
    }
    guard let c = conn else { throw DatabaseError(.unreachable, "\(label): no connection") }
    do {
      let rows = try await withTaskCancellationHandler {
        try await onQueue { try c.run(sql) }
      } onCancel: {
        c.cancel()
      }
      reusable = !Task.isCancelled
      return rows
    } catch let e as DatabaseError {
      // A query error leaves the connection usable (the transaction was rolled back); anything else drops it.
      reusable = e.kind == .query || e.kind == .timeout
      if Task.isCancelled { throw DatabaseError(.cancelled, "\(label): cancelled") }
      throw e
    }
  }

  private func onQueue<T: Sendable>(_ f: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, any Error>) in
      queue.async {
        do { k.resume(returning: try f()) } catch { k.resume(throwing: error) }
      }
    }
  }

  /// Closes every idle connection now (busy ones close when their statement ends).
  public func close() async {
    for c in await state.drain() { c.close() }
  }

  func closeIdle(olderThan seconds: TimeInterval) async {
    for c in await state.expired(olderThan: seconds) { c.close() }
  }
}

actor PoolState {
  var busy = 0
  var peak = 0
  var openedTotal = 0
  var idle: [(conn: any RawConnection, since: Date)] = []
  var waiters: [CheckedContinuation<Void, Never>] = []
  var closed = false

  func acquire(limit: Int) async {
    if busy < limit {
      busy += 1
      peak = max(peak, busy)
      return
    }
    await withCheckedContinuation { waiters.append($0) }
    // The releasing query handed its slot over (busy unchanged).
    peak = max(peak, busy)
  }

  func takeIdle() -> (any RawConnection)? { idle.popLast()?.conn }
  func countOpen() { openedTotal += 1 }

  func release(_ c: (any RawConnection)?, keep: Bool, idleClose: TimeInterval, pool: DatabasePool) {
    if let c {
      if keep && !closed {
        idle.append((c, Date()))
        Task {
          try? await Task.sleep(nanoseconds: UInt64(max(0.01, idleClose) * 1e9))
          await pool.closeIdle(olderThan: idleClose)
        }
      } else {
        c.close()
      }
    }
    if waiters.isEmpty {
      busy -= 1
    } else {
      waiters.removeFirst().resume()
    }
  }

  func drain() -> [any RawConnection] {
    let all = idle.map(\.conn)
    idle = []
    return all
  }

  func expired(olderThan seconds: TimeInterval) -> [any RawConnection] {
    let cutoff = Date().addingTimeInterval(-seconds + 0.001)
    let old = idle.filter { $0.since <= cutoff }.map(\.conn)
    idle.removeAll { $0.since <= cutoff }
    return old
  }
}
