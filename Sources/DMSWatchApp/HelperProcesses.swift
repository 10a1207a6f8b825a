import AWSClient

/// Helper processes dmswatch started (credential_process), for the executable's exit and signal paths.
public enum HelperProcesses {
  /// SIGKILL to the process group of every helper still running.
  public static func killAll() { ChildProcesses.killAll() }
}
