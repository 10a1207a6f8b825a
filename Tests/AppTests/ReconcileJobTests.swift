import TestKit
import DMSSimulator
import DMSWatchApp
import DMSWatchModel
import Foundation
import XCTest

/// The RECON data source on the simulated fleet: states while running, a final result, config parsing.
final class ReconcileJobTests: XCTestCase {
  final class States: @unchecked Sendable {
    let lock = NSLock()
    var all: [ReconState] = []
    func add(_ s: ReconState) { lock.lock(); all.append(s); lock.unlock() }
    var snapshot: [ReconState] { lock.lock(); defer { lock.unlock() }; return all }
  }

  func testJobReportsProgressThenAResultOnTheSimulatedFleet() async throws {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_795_000_000))
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: 12, seed: 1), clock: clock)
    clock.advance(300)
    let services = ReconcileServices(
      dms: fleet, metrics: fleet, secrets: nil, athena: nil,
      endpointConnection: { arn, e, isSource in fleet.reconciliationDatabase(taskArn: arn, endpoint: e, side: isSource ? .source : .target) })
    var req = ReconcileRequest()
    req.recheckDelay = 0
    let runner = ReconcileRunner(services: services, config: ReconcileConfig(), environment: [:], request: req)
    let endpoints = try await collectPages { try await fleet.describeEndpoints(marker: $0) }
    let engines = Dictionary(endpoints.map { ($0.arn, $0.engineName ?? "") }, uniquingKeysWith: { a, _ in a })
    let tasks = try await fleet.allReplicationTasks()
    let task = try XCTUnwrap(tasks.first { t in
      [t.sourceEndpointArn, t.targetEndpointArn].allSatisfy { arn in
        let e = engines[arn ?? ""] ?? ""
        return e.contains("postgres") || e.contains("mysql") || e.contains("mariadb") || e == "aurora"
      } && t.status != TaskStatus.ready
    })
    let job = ReconcileJob(runner: runner)
    let states = States()
    let done = expectation(description: "finished")
    await job.start(taskArn: task.arn, taskIdentifier: task.identifier) { s in
      states.add(s)
      if case .finished = s.phase { done.fulfill() }
    }
    await fulfillment(of: [done], timeout: 30)
    let all = states.snapshot
    XCTAssertTrue(all.contains { if case .running = $0.phase { return true } else { return false } })
    let last = try XCTUnwrap(all.last?.result)
    XCTAssertNil(last.error)
    XCTAssertFalse(last.tables.isEmpty)
    XCTAssertTrue(last.tables.allSatisfy { $0.source != nil && $0.target != nil })
    let running = await job.isRunning
    XCTAssertFalse(running)
  }

  func testReconcileConfigKeysAndErrors() throws {
    let c = try AppConfig.parse(
      """
      reconcile:
        max_concurrent: 3
        statement_timeout: 5
        endpoints:
          src:
            host: 127.0.0.1
            port: 15432
            user: ro
            password_env: SRC_PW
            sslmode: require
      """)
    let e = try XCTUnwrap(c.reconcile.endpoints["src"])
    XCTAssertEqual(c.reconcile.maxConcurrent, 3)
    XCTAssertEqual(e.port, 15432)
    XCTAssertEqual(e.passwordEnv, "SRC_PW")
    XCTAssertEqual(e.tls, .require)
    XCTAssertThrowsError(try AppConfig.parse("reconcile:\n  endpoints:\n    src:\n      sslmode: maybe\n")) { err in
      XCTAssertEqual((err as? ConfigError)?.line, 4)
    }
    XCTAssertThrowsError(try AppConfig.parse("reconcile:\n  endpoints:\n    src:\n      password_env: A\n      password_command: b\n"))
    XCTAssertThrowsError(try AppConfig.parse("reconcile:\n  workers: 2\n")) { err in
      XCTAssertTrue("\(err)".contains("unknown key \"workers\""))
    }
  }

  func testPlainPasswordNeedsMode0600() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dmsw-cfg-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("config.yaml").path
    try "reconcile:\n  endpoints:\n    src:\n      password: s3cret-value\n".write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    XCTAssertThrowsError(try AppConfig.load(path: path)) { err in
      XCTAssertTrue("\(err)".contains("0600"))
      XCTAssertFalse("\(err)".contains("s3cret"))
    }
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    let c = try AppConfig.load(path: path)
    XCTAssertFalse("\(c.reconcile)".contains("s3cret"), "the password never prints")
  }
}
