import DMSReconcile
import DMSWatchModel
import Foundation

/// Runs one task's reconciliation off the main actor and reports `ReconState` values as it goes; `cancel()`
/// (the dashboard's esc) cancels the running statements (PQcancel / mariadb_cancel). One run at a time:
/// starting again while a run is going cancels the old one first. This is the piece the engine plugs in
/// as the reconciliation data source (its budget is the per-database limit in `ReconcileRequest`).
public actor ReconcileJob {
  let runner: ReconcileRunner
  var current: Task<Void, Never>?
  var generation = 0

  public init(runner: ReconcileRunner) { self.runner = runner }

  public var isRunning: Bool { current != nil }

  /// `update` gets every intermediate state and the final one (phase `.finished` or `.stopped`).
  public func start(
    taskArn: String, taskIdentifier: String, marked: Set<String> = [], update: @escaping @Sendable (ReconState) async -> Void
  ) {
    current?.cancel()
    generation += 1
    let gen = generation
    let runner = self.runner
    // Counts for every table; checksums only for the marked ones (none marked: none), with `request.checksum` on.
    let checksumTables: Set<String>? = marked
    current = Task.detached { [weak self] in
      var state = ReconState(taskIdentifier: taskIdentifier, phase: .running(done: 0, total: 0), marked: marked)
      await update(state)
      do {
        let result = try await runner.runOne(taskArn: taskArn, checksumTables: checksumTables) { partial, total in
          var s = ReconState(taskIdentifier: taskIdentifier, result: partial, phase: .running(done: partial.tables.count, total: total), marked: marked)
          s.selected = 0
          await update(s)
        }
        state.result = result
        state.phase = Task.isCancelled ? .stopped("cancelled") : .finished
      } catch {
        state.phase = .stopped(ReconcileRunner.text(error))
      }
      await self?.finished(gen)
      await update(state)
    }
  }

  public func cancel() {
    current?.cancel()
    current = nil
  }

  func finished(_ gen: Int) {
    if gen == generation { current = nil }
  }
}
