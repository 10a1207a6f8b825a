import DMSWatchModel
import Foundation

/// Word lists and message templates of the simulated fleet.
enum Catalog {

  static let domains = [
    "orders", "billing", "payments", "customers", "inventory", "shipping", "catalog", "accounts", "ledger",
    "invoices", "users", "sessions", "analytics", "crm", "payroll", "claims", "policies", "loyalty", "pricing",
    "returns", "subscriptions", "notifications", "fraud", "reporting", "warehouse", "marketing", "support",
    "identity", "audit", "search",
  ]

  static let sourceEngines = ["postgres", "mysql", "oracle", "sqlserver", "aurora-postgresql", "mariadb", "aurora"]
  static let targetEngines = ["aurora-postgresql", "aurora-postgresql", "postgres", "s3", "redshift", "aurora", "mysql"]
  static let instanceClasses = ["dms.r5.large", "dms.r5.xlarge", "dms.c5.2xlarge", "dms.r6i.large", "dms.t3.medium"]
  static let engineVersions = ["3.5.3", "3.5.2", "3.5.4"]

  static let tableWords = [
    "orders", "order_items", "customers", "addresses", "payments", "invoices", "invoice_lines", "refunds",
    "shipments", "products", "product_variants", "prices", "inventory_levels", "warehouses", "suppliers",
    "purchase_orders", "accounts", "transactions", "ledger_entries", "journal_lines", "users", "user_roles",
    "sessions", "audit_log", "events", "notifications", "subscriptions", "plans", "coupons", "carts", "cart_items",
    "reviews", "categories", "tags", "employees", "departments", "payroll_runs", "claims", "policies", "agents",
    "tickets", "comments", "attachments", "contracts", "currencies", "exchange_rates", "tax_rates", "regions",
    "stores", "loyalty_points", "promotions", "returns", "credit_notes", "settlements", "chargebacks", "devices",
    "api_keys", "feature_flags", "outbox", "job_runs", "metrics_daily", "balances", "transfers", "beneficiaries",
  ]

  /// Lowercase letters for an index: 0 → a, 25 → z, 26 → aa.
  static func letters(_ n: Int) -> String {
    var n = n
    var out = ""
    repeat {
      out = String(UnicodeScalar(UInt8(97 + n % 26))) + out
      n = n / 26 - 1
    } while n >= 0
    return out
  }

  static func typeTag(_ t: MigrationType) -> String {
    switch t {
    case .cdc: "cdc"
    case .fullLoad: "full-load"
    case .fullLoadAndCdc: "migration"
    }
  }

  /// Schema name of a task's tables, in the source engine's style (postgres-style tasks put
  /// every ninth table in `archive`).
  static func schema(engine: String, domain: String, key: UInt64) -> (String, Bool) {
    switch engine {
    case "oracle": return (H.u(key, Salt.name, 7) < 0.7 ? domain.uppercased() : "APP", false)
    case "sqlserver": return ("dbo", false)
    case "mysql", "mariadb", "aurora": return (domain + "_db", false)
    default: return (H.u(key, Salt.name, 7) < 0.5 ? "public" : domain, true)
    }
  }

  static let upperWords = tableWords.map { $0.uppercased() }

  /// Table name j: unique within a task; blocks beyond the word list look like yearly partitions.
  static func table(upper: Bool, index j: Int, offset: Int) -> String {
    let n = tableWords.count
    let i = (j * 37 + offset) % n
    let word = upper ? upperWords[i] : tableWords[i]
    let block = j / n
    if block == 0 { return word }
    return word + (block <= 7 ? "_\(2018 + block)" : (upper ? "_P\(block)" : "_p\(block)"))
  }

  /// The C source file a capture line cites, by source engine.
  static func captureFile(_ engine: String) -> String {
    switch engine {
    case "postgres", "aurora-postgresql": "postgres_endpoint_wal_engine.c:1876"
    case "oracle": "oracdc_reader.c:2307"
    case "sqlserver": "sqlserver_log_queue.c:1102"
    default: "mysql_endpoint_capture.c:1432"
    }
  }

  static let stopNormal = "Stop Reason NORMAL"
  static let stopFatal = "Stop Reason FATAL_ERROR"
  static let stopRecoverable = "Stop Reason RECOVERABLE_ERROR"
  static let stopFullLoadFinished = "Stop Reason FULL_LOAD_ONLY_FINISHED"

  /// (LastFailureMessage, log lines) for a failed task.
  static func failure(kind: Int, task: String, engine: String, table: String) -> (String, [(String, LogSeverity, String)]) {
    if kind == 4 {
      let msg =
        "Last Error Stream component 'st_1_\(task.uppercased().replacingOccurrences(of: "-", with: ""))' terminated. Target apply timed out waiting for the target database. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE"
      return (msg, [
        ("TARGET_APPLY", .warning, "Apply of changes to \(table) is slow: statement timed out after 60 seconds (odbc_endpoint_imp.c:7814)"),
        ("TARGET_APPLY", .error, "Failed to apply changes to target: timeout expired (bulk_apply.c:3021)"),
        ("TASK_MANAGER", .error, "Stream component 'st_1' terminated (subtask 1 thread 1) (replicationtask.c:2883)"),
      ])
    }
    switch kind % 4 {
    case 0:
      let msg =
        "Last Error Task '\(task)' was suspended due to 6 successive unexpected failures Stop Reason FATAL_ERROR Error Level FATAL"
      return (msg, [
        ("TARGET_APPLY", .error, "Failed to execute statement: 'INSERT INTO \(table) ...' RetCode: SQL_ERROR SqlState: 23505 NativeError: 1 Message: duplicate key value violates unique constraint (odbc_util.c:4089)"),
        ("TASK_MANAGER", .error, "Task '\(task)' encountered a fatal error (repository.c:5932)"),
        ("TASK_MANAGER", .error, "Task '\(task)' was suspended due to 6 successive unexpected failures (replicationtask.c:3102)"),
      ])
    case 1:
      let msg =
        "Last Error Error in replication: Failed to read from the redo log. ORA-01291: missing log file Stop Reason FATAL_ERROR Error Level FATAL"
      return (msg, [
        ("SOURCE_CAPTURE", .error, "ORA-01291: missing log file [1022101] (oracdc_reader.c:1524)"),
        ("SOURCE_CAPTURE", .error, "Error in replication: Failed to read from the redo log (oracdc_merger.c:1047)"),
        ("TASK_MANAGER", .error, "Task error notification received from subtask 0, thread 0 [1022101] (replicationtask.c:3024)"),
      ])
    case 2:
      let msg =
        "Last Error Replication slot \"dms_slot_\(task.replacingOccurrences(of: "-", with: "_"))\" is being used by another process. Task error notification received from subtask 0, thread 0 Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE"
      return (msg, [
        ("SOURCE_CAPTURE", .error, "Could not start replication: replication slot is active for another PID (postgres_endpoint_wal_engine.c:2342)"),
        ("TASK_MANAGER", .error, "Task error notification received from subtask 0, thread 0 (replicationtask.c:3024)"),
      ])
    default:
      let msg =
        "Last Error Load failed for table \(table): ERROR: permission denied for table Stop Reason FATAL_ERROR Error Level FATAL"
      return (msg, [
        ("TARGET_LOAD", .error, "Failed to load data into table \(table): ERROR: permission denied (postgres_endpoint_load.c:677)"),
        ("TASK_MANAGER", .error, "Table \(table) was errored/suspended (subtask 1 thread 1) (replicationtask.c:2863)"),
      ])
    }
  }

  /// One DMS-style log line: `2026-11-23T10:10:15 [SOURCE_CAPTURE  ]I:  text`.
  static func logLine(_ date: Date, _ component: String, _ sev: LogSeverity, _ text: String) -> String {
    let comp = component.count >= 16 ? component : component + String(repeating: " ", count: 16 - component.count)
    return "\(UTCFormat.logStamp(date)) [\(comp)]\(sev.rawValue):  \(text)"
  }
}
