import AWSClient
import DMSReconcile
import DMSWatchModel
import Foundation

/// Builds the reconciliation runner for a backend: the AWS session (Secrets Manager and Athena on the
/// same signed client) or the simulated fleet (simulated databases, no network).
public enum ReconcileSetup {
  public static func services(backend: Backend, options: BackendOptions, environment env: [String: String]) throws -> ReconcileServices {
    if let fleet = backend.fleet {
      return ReconcileServices(
        dms: fleet, metrics: fleet, secrets: nil, athena: nil,
        endpointConnection: { arn, endpoint, isSource in
          fleet.reconciliationDatabase(taskArn: arn, endpoint: endpoint, side: isSource ? .source : .target)
        })
    }
    guard let aws = backend.aws else { throw ReconcileFailure(message: "no AWS session") }
    let explicit = options.endpointURL.flatMap { URL(string: $0) }
    do {
      let sm = AWSSecretsManagerClient(caller: try aws.caller(for: .secretsManager, explicitEndpoint: explicit, environment: env, profile: options.profile))
      let athena = AWSAthenaClient(caller: try aws.caller(for: .athena, explicitEndpoint: explicit, environment: env, profile: options.profile))
      return ReconcileServices(dms: aws.dms, metrics: aws.metrics, secrets: sm, athena: athena)
    } catch let e as ServiceError {
      throw BackendError(message: e.message, exitCode: 2)
    }
  }

  public static func runner(
    backend: Backend, options: BackendOptions, config: ReconcileConfig, environment env: [String: String], request: ReconcileRequest
  ) throws -> ReconcileRunner {
    ReconcileRunner(services: try services(backend: backend, options: options, environment: env), config: config, environment: env, request: request)
  }
}
