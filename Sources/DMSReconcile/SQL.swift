import Foundation

/// A table on one side: schema (PostgreSQL schema, MySQL database, Glue database) and name.
public struct TableName: Sendable, Hashable, CustomStringConvertible {
  public var schema: String
  public var name: String
  public init(schema: String, name: String) {
    self.schema = schema
    self.name = name
  }
  public var description: String { "\(schema).\(name)" }
}

/// How a column's value is written before hashing. The same text on PostgreSQL and MySQL for the same value.
public enum NormalForm: String, Sendable, Equatable {
  /// Decimal digits with an optional sign: integers, and booleans as 1/0.
  case integer
  /// Fixed-point with trailing zeros (and a trailing point) removed: `12.50` → `12.5`, `10.00` → `10`.
  case decimal
  /// The text itself (char, varchar, text, uuid), UTF-8.
  case text
  /// `YYYY-MM-DD`.
  case date
  /// `YYYY-MM-DD HH:MM:SS.ffffff` (microseconds; time-zone-aware types in UTC).
  case timestamp
}

/// A column as the catalog describes it, and how it is compared.
public struct ColumnInfo: Sendable, Equatable {
  public var name: String
  public var dataType: String
  /// nil: left out of the comparison (the reason says why).
  public var form: NormalForm?
  public var isBoolean: Bool
  public var reason: String?

  public init(name: String, dataType: String) {
    self.name = name
    self.dataType = dataType
    let t = dataType.lowercased()
    isBoolean = t == "boolean" || t == "bool"
    switch t {
    case "smallint", "integer", "int", "bigint", "tinyint", "mediumint", "int2", "int4", "int8", "boolean", "bool", "year":
      form = .integer
    case "numeric", "decimal":
      form = .decimal
    case "character varying", "varchar", "character", "char", "text", "tinytext", "mediumtext", "longtext", "uuid", "citext", "name",
      "enum":
      form = .text
    case "date":
      form = .date
    case "timestamp without time zone", "timestamp with time zone", "timestamp", "datetime":
      form = .timestamp
    case "real", "double precision", "float", "double":
      form = nil
      reason = "\(t): inexact"
    default:
      form = nil
      reason = "\(t): not normalised"
    }
  }
}

/// How rows are hashed for the checksum.
public enum HashMode: String, Sendable, Equatable {
  /// md5 of the normalised row text: identical on PostgreSQL and MySQL (cross-engine, or differing column types).
  case portable
  /// PostgreSQL on both sides with identical column types: each column by its type's hash function (`nativeRowHash`),
  /// about 10× cheaper than md5 of the normalised text.
  case native
  /// As `native`, summed instead of XORed: one side is PostgreSQL before 14 (no `bit_xor`) or did not say its version.
  case nativeSum

  var isNative: Bool { self != .portable }
}

/// SQL text for one dialect. Every statement is a single SELECT.
public struct SQLBuilder: Sendable {
  public let dialect: SQLDialect
  public let hashMode: HashMode
  public init(_ dialect: SQLDialect, hashMode: HashMode = .portable) {
    self.dialect = dialect
    self.hashMode = dialect == .postgres ? hashMode : .portable
  }

  /// The compared columns as a PostgreSQL row value (its text form is canonical for equal types).
  func rowValue(_ cols: [ColumnInfo]) -> String { "ROW(\(cols.map { ident($0.name) }.joined(separator: ", ")))::text" }

  /// PostgreSQL on both sides with identical types: each column hashed by its type's own hash function
  /// (no text rendering: about 2.7× cheaper than hashing `ROW(…)::text`), seeded by its position, NULL as a
  /// per-position constant, combined with XOR and hashed once more. A type without a hash here is hashed as text.
  /// The final hash matters: segments are combined by XOR too, and XOR alone is linear, so two rows that swapped
  /// one column's values would leave the segment's XOR unchanged.
  func nativeRowHash(_ cols: [ColumnInfo]) -> String {
    let parts = cols.enumerated().map { i, c -> String in
      let q = ident(c.name)
      let seed = i + 1
      let h: String
      switch c.dataType.lowercased() {
      case "smallint", "integer", "int", "bigint", "int2", "int4", "int8": h = "hashint8extended((\(q))::bigint, \(seed))"
      case "boolean", "bool": h = "hashint8extended((\(q))::int::bigint, \(seed))"
      case "numeric", "decimal": h = "hash_numeric_extended(\(q), \(seed))"
      case "date": h = "hashint8extended((\(q) - date '2000-01-01')::bigint, \(seed))"
      case "timestamp without time zone", "timestamp": h = "timestamp_hash_extended(\(q), \(seed))"
      case "timestamp with time zone": h = "timestamp_hash_extended(\(q) AT TIME ZONE 'UTC', \(seed))"
      case "uuid": h = "uuid_hash_extended(\(q), \(seed))"
      default: h = "hashtextextended((\(q))::text, \(seed))"
      }
      return "COALESCE(\(h), \(7919 * seed))"
    }
    return parts.isEmpty ? "0::bigint" : "hashint8extended(" + parts.joined(separator: " # ") + ", 0)"
  }

  // MARK: quoting

  public func ident(_ s: String) -> String {
    switch dialect {
    case .mysql: "`" + s.replacingOccurrences(of: "`", with: "``") + "`"
    case .postgres, .athena: "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
  }

  /// A string literal. MySQL's default sql_mode treats backslash as an escape, so it is doubled there.
  public func literal(_ s: String) -> String {
    var v = s.replacingOccurrences(of: "\u{0}", with: "").replacingOccurrences(of: "'", with: "''")
    if dialect == .mysql { v = v.replacingOccurrences(of: "\\", with: "\\\\") }
    return "'" + v + "'"
  }

  public func table(_ t: TableName) -> String { "\(ident(t.schema)).\(ident(t.name))" }

  // MARK: counts and catalog

  public func count(_ t: TableName) -> String { "SELECT COUNT(*) FROM \(table(t))" }

  /// The catalog's row estimate (nil row or a negative value when the table was never analysed).
  public func estimate(_ t: TableName) -> String {
    switch dialect {
    case .postgres:
      "SELECT c.reltuples::bigint FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        + "WHERE n.nspname = \(literal(t.schema)) AND c.relname = \(literal(t.name))"
    case .mysql:
      "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = \(literal(t.schema)) AND TABLE_NAME = \(literal(t.name))"
    case .athena:
      "SELECT NULL"
    }
  }

  public func tableExists(_ t: TableName) -> String {
    "SELECT table_name FROM information_schema.tables WHERE table_schema = \(literal(t.schema)) AND table_name = \(literal(t.name))"
  }

  public func columns(_ t: TableName) -> String {
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = \(literal(t.schema)) "
      + "AND table_name = \(literal(t.name)) ORDER BY ordinal_position"
  }

  public func primaryKey(_ t: TableName) -> String {
    // PostgreSQL's information_schema hides constraints from a user with SELECT only: read the catalog.
    if dialect == .postgres {
      return "SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
        + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        + "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey) "
        + "WHERE i.indisprimary AND n.nspname = \(literal(t.schema)) AND c.relname = \(literal(t.name)) "
        + "ORDER BY array_position(i.indkey::int2[], a.attnum)"
    }
    return "SELECT k.column_name FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k "
      + "ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema AND k.table_name = c.table_name "
      + "WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = \(literal(t.schema)) AND c.table_name = \(literal(t.name)) "
      + "ORDER BY k.ordinal_position"
  }

  // MARK: normalisation

  /// The column's value as normalised text (NULL stays NULL).
  public func normalized(_ c: ColumnInfo) -> String {
    let q = ident(c.name)
    switch (dialect, c.form) {
    case (.postgres, .integer?):
      return c.isBoolean ? "(CASE WHEN \(q) IS NULL THEN NULL WHEN \(q) THEN '1' ELSE '0' END)" : "(\(q))::text"
    case (.mysql, .integer?):
      return "CAST(\(q) AS CHAR)"
    case (.postgres, .decimal?):
      return "(CASE WHEN position('.' in (\(q))::text) > 0 THEN rtrim(rtrim((\(q))::text, '0'), '.') ELSE (\(q))::text END)"
    case (.mysql, .decimal?):
      return "(CASE WHEN LOCATE('.', CAST(\(q) AS CHAR)) > 0 THEN TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(\(q) AS CHAR))) "
        + "ELSE CAST(\(q) AS CHAR) END)"
    case (.postgres, .text?):
      return "(\(q))::text"
    case (.mysql, .text?):
      return "CAST(\(q) AS CHAR)"
    case (.postgres, .date?):
      return "to_char(\(q), 'YYYY-MM-DD')"
    case (.mysql, .date?):
      return "DATE_FORMAT(\(q), '%Y-%m-%d')"
    case (.postgres, .timestamp?):
      return "to_char(\(q), 'YYYY-MM-DD HH24:MI:SS.US')"
    case (.mysql, .timestamp?):
      return "DATE_FORMAT(\(q), '%Y-%m-%d %H:%i:%s.%f')"
    default:
      return "NULL"
    }
  }

  /// The row as one text: each column `V<value>` or `N` for NULL, joined by U+001F.
  public func rowText(_ cols: [ColumnInfo]) -> String {
    switch dialect {
    case .postgres:
      let parts = cols.map { "COALESCE('V' || \(normalized($0)), 'N')" }
      return "concat_ws(chr(31), \(parts.joined(separator: ", ")))"
    case .mysql, .athena:
      let parts = cols.map { "COALESCE(CONCAT('V', \(normalized($0))), 'N')" }
      return "CONCAT_WS(CHAR(31 USING utf8mb4), \(parts.joined(separator: ", ")))"
    }
  }

  /// md5 of the row text, hex.
  public func rowHashHex(_ cols: [ColumnInfo]) -> String {
    if hashMode.isNative { return "(\(nativeRowHash(cols)))::text" }
    switch dialect {
    case .postgres: return "md5(\(rowText(cols)))"
    case .mysql, .athena: return "MD5(\(rowText(cols)))"
    }
  }

  /// The first 60 bits of the row's md5 as a non-negative integer (summed per segment).
  public func rowHashInt(_ cols: [ColumnInfo]) -> String {
    if hashMode.isNative { return nativeRowHash(cols) }
    switch dialect {
    case .postgres: return "('x' || substr(\(rowHashHex(cols)), 1, 15))::bit(60)::bigint"
    case .mysql, .athena: return "CAST(CONV(SUBSTRING(\(rowHashHex(cols)), 1, 15), 16, 10) AS UNSIGNED)"
    }
  }

  // MARK: checksum

  public func keyRange(_ t: TableName, key: ColumnInfo) -> String {
    "SELECT MIN(\(ident(key.name))), MAX(\(ident(key.name))) FROM \(table(t))"
  }

  /// Count and hash sum per segment of width `width` starting at `lo`, for keys in [lo, hi].
  public func segments(_ t: TableName, key: ColumnInfo, cols: [ColumnInfo], lo: Int64, hi: Int64, width: Int64) -> String {
    let k = ident(key.name)
    let bucket = dialect == .mysql ? "(\(k) - \(lo)) DIV \(width)" : "(\(k) - \(lo)) / \(width)"
    // Native: XOR of the 64-bit row hashes (an int8 aggregate, no numeric sum; keys are unique, so no row cancels another).
    let agg = hashMode == .native ? "bit_xor" : "SUM"
    return "SELECT \(bucket) AS seg, COUNT(*), COALESCE(\(agg)(\(rowHashInt(cols))), 0) FROM \(table(t)) "
      + "WHERE \(k) >= \(lo) AND \(k) <= \(hi) GROUP BY \(bucket)"
  }

  /// The key (as normalised text) and row hash of each row with a key in [lo, hi].
  public func leafRows(_ t: TableName, key: ColumnInfo, keys: [ColumnInfo], cols: [ColumnInfo], lo: Int64, hi: Int64) -> String {
    let k = ident(key.name)
    let keyCols = keys.map { normalized($0) }.joined(separator: ", ")
    return "SELECT \(keyCols), \(rowHashHex(cols)) FROM \(table(t)) WHERE \(k) >= \(lo) AND \(k) <= \(hi)"
  }

  /// Every row's key and hash: the baseline that compares by fetching everything.
  public func allRows(_ t: TableName, keys: [ColumnInfo], cols: [ColumnInfo]) -> String {
    "SELECT \(keys.map { normalized($0) }.joined(separator: ", ")), \(cols.map { normalized($0) }.joined(separator: ", ")) FROM \(table(t))"
  }

  // MARK: validation failures

  /// `SELECT <cols> FROM <schema>.<table> WHERE TASK_NAME = '<id>'` with the columns as the catalog spells them.
  public func validationFailures(schema: String, table: String, columns: [String], taskColumn: String, task: String, limit: Int) -> String {
    "SELECT \(columns.map { ident($0) }.joined(separator: ", ")) FROM \(ident(schema)).\(ident(table)) "
      + "WHERE \(ident(taskColumn)) = \(literal(task)) LIMIT \(limit)"
  }
}
