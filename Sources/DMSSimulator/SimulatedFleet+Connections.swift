import DMSWatchModel
import Foundation

/// TestConnection / DescribeConnections on the simulated fleet: a test reads `testing` for a few
/// seconds of the fleet's clock, then `successful` — or `failed` for the source endpoint of a task that
/// has failed (its source is what the failure reached), with DMS's wording.
extension SimulatedFleet {
  static let connectionTestSeconds: TimeInterval = 3

  public func testEndpointConnection(instanceArn: String, endpointArn: String) async throws -> EndpointConnection {
    try begin("TestConnection")
    let now = clock.now()
    return try lock.withLock {
      guard instances.contains(where: { $0.arn == instanceArn }) else {
        throw ServiceError(kind: .notFound, code: "ResourceNotFoundFault", message: "Replication instance \(instanceArn) not found")
      }
      guard let ep = endpoints.first(where: { $0.arn == endpointArn }) else {
        throw ServiceError(kind: .notFound, code: "ResourceNotFoundFault", message: "Endpoint \(endpointArn) not found")
      }
      connectionTests["\(instanceArn)|\(endpointArn)"] = now
      return EndpointConnection(instanceArn: instanceArn, endpointArn: endpointArn, status: "testing", endpointIdentifier: ep.identifier)
    }
  }

  public func describeEndpointConnections(endpointArns: [String]) async throws -> [EndpointConnection] {
    try begin("DescribeConnections")
    let now = clock.now()
    return lock.withLock {
      advanceAll(now)
      var out: [EndpointConnection] = []
      for (key, started) in connectionTests.sorted(by: { $0.key < $1.key }) {
        let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, endpointArns.contains(parts[1]), let epIndex = endpoints.firstIndex(where: { $0.arn == parts[1] }) else { continue }
        let ep = endpoints[epIndex]
        var c = EndpointConnection(instanceArn: parts[0], endpointArn: ep.arn, status: "testing", endpointIdentifier: ep.identifier)
        if now.timeIntervalSince(started) >= Self.connectionTestSeconds {
          let broken = tasks.contains { $0.sourceEndpoint == epIndex && $0.phase == .failed }
          c.status = broken ? "failed" : "successful"
          if broken {
            c.lastFailureMessage = "Test connection for endpoint \(ep.identifier) failed: Application-Status: 1020912, Application-Message: "
              + "Cannot connect to the source database, Network error has occurred"
          }
        }
        out.append(c)
      }
      return out
    }
  }
}
