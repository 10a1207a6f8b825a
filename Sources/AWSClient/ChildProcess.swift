import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a credential command (`credential_process`) as its own process group with a deadline.
///
/// Foundation's `Process` could only SIGTERM the shell: a `sleep` or a hung helper under it kept the
/// pipes open, so the read never ended (a blank dashboard for 90 s), and it outlived dmswatch after
/// ctrl-c or `check --max-time`. Here the command runs in a new process group; on the deadline, on
/// exit (`killAll`, from an `atexit` handler and the signal handlers) the whole group gets SIGKILL.
public enum ChildProcesses {
  final class Registry: @unchecked Sendable {
    let lock = NSLock()
    var groups: Set<pid_t> = []
  }
  static let registry = Registry()

  /// Process groups still running (tests).
  public static var running: [pid_t] { registry.lock.withLock { Array(registry.groups) } }

  /// SIGKILL to every process group started here that has not finished. Async-signal-tolerant enough
  /// for the exit paths (a lock and kill(2)).
  public static func killAll() {
    let groups = registry.lock.withLock { registry.groups }
    for g in groups { _ = kill(-g, SIGKILL) }
  }

  public struct Result: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var timedOut: Bool
  }

  /// `/bin/sh -c command`, stdin from /dev/null; returns when it exits or `timeout` passes (then the
  /// group is killed and `timedOut` is true).
  public static func run(_ command: String, timeout: TimeInterval) throws -> Result {
    var outPipe: [Int32] = [-1, -1]
    var errPipe: [Int32] = [-1, -1]
    guard Self.pipeCloexec(&outPipe) else { throw CredentialsError("cannot create a pipe: \(String(cString: strerror(errno)))") }
    guard Self.pipeCloexec(&errPipe) else {
      close(outPipe[0]); close(outPipe[1])
      throw CredentialsError("cannot create a pipe: \(String(cString: strerror(errno)))")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    // A new process group (so the whole tree can be killed), default signal dispositions and an empty
    // mask: the dashboard blocks and ignores SIGINT/SIGTERM/SIGHUP, which a child would otherwise inherit.
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    posix_spawnattr_setpgroup(&attr, 0)
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attr, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attr, &defaults)

    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
    defer { for a in argv { free(a) } }
    let rc = registry.lock.withLock { () -> Int32 in
      let rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ)
      if rc == 0 { registry.groups.insert(pid) }
      return rc
    }
    close(outPipe[1])
    close(errPipe[1])
    guard rc == 0 else {
      close(outPipe[0]); close(errPipe[0])
      throw CredentialsError("cannot start /bin/sh: \(String(cString: strerror(rc)))")
    }
    defer {
      close(outPipe[0])
      close(errPipe[0])
      // Whatever is left of the group (helpers started in the background) goes with it.
      _ = kill(-pid, SIGKILL)
      registry.lock.withLock { _ = registry.groups.remove(pid) }
    }
    var out = Data()
    var err = Data()
    var open = [outPipe[0], errPipe[0]]
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    var exited = false
    var exitedAt: Date?
    var buf = [UInt8](repeating: 0, count: 16384)
    while true {
      if !exited {
        var st: Int32 = 0
        if waitpid(pid, &st, WNOHANG) == pid {
          exited = true
          exitedAt = Date()
          status = Self.exitStatus(st)
        }
      }
      // Done when both pipes are closed, or shortly after the shell exited (a background helper may hold them).
      if open.isEmpty, exited { break }
      if let t = exitedAt, Date().timeIntervalSince(t) > 0.2 { break }
      let left = deadline.timeIntervalSinceNow
      if left <= 0 {
        _ = kill(-pid, SIGKILL)
        if !exited {
          var st: Int32 = 0
          _ = waitpid(pid, &st, 0)
        }
        return Result(status: -1, stdout: out, stderr: err, timedOut: true)
      }
      if open.isEmpty {
        usleep(10_000)
        continue
      }
      var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      let n = poll(&fds, nfds_t(fds.count), Int32(min(left, 0.05) * 1000) + 1)
      if n < 0, errno != EINTR { break }
      for f in fds where f.revents != 0 {
        let r = read(f.fd, &buf, buf.count)
        if r > 0 {
          if f.fd == outPipe[0] { out.append(contentsOf: buf[0..<r]) } else { err.append(contentsOf: buf[0..<r]) }
          if out.count > 1 << 20 || err.count > 1 << 20 { open.removeAll() }
        } else if r == 0 || (errno != EINTR && errno != EAGAIN) {
          open.removeAll { $0 == f.fd }
        }
      }
    }
    if !exited {
      var st: Int32 = 0
      _ = waitpid(pid, &st, 0)
      status = Self.exitStatus(st)
    }
    return Result(status: status, stdout: out, stderr: err, timedOut: false)
  }

  /// pipe(2) with close-on-exec on both ends (glibc hides pipe2 without _GNU_SOURCE).
  static func pipeCloexec(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
  }

  static func exitStatus(_ st: Int32) -> Int32 {
    let sig = st & 0x7f
    return sig == 0 ? (st >> 8) & 0xff : 128 + sig
  }
}
