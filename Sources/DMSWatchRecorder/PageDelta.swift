import Foundation

/// De-duplication inside a listing: a task list page differs from the last one of the same request
/// mostly in a counter or two per task (elapsed time, progress). A `dp` line's body is the page with
/// each item written as `{"=": i}` (item i of the last page for the request, unchanged),
/// `{"=": i, "~": patch}` (that item with a JSON merge patch, RFC 7386) or `{"+": item}` (new).
enum PageDelta {
  /// Operations whose pages are written as deltas (the task listings).
  static func applies(to op: String) -> Bool { op.hasPrefix("list:") || op == RecordedOp.tasks }

  static func items(of body: Data) -> (object: [String: Any], items: [Any])? {
    guard let o = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any], let items = o["items"] as? [Any] else { return nil }
    return (o, items)
  }

  static func serialize(_ o: Any) throws -> Data {
    try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])
  }

  /// The delta body of `current` against `previous` items, or nil when a full body is as small.
  static func encode(object: [String: Any], items: [Any], previous: [Any]) throws -> Data? {
    var out: [Any] = []
    out.reserveCapacity(items.count)
    for (j, it) in items.enumerated() {
      if j < previous.count, let p = previous[j] as? [String: Any], let c = it as? [String: Any] {
        let patch = mergePatch(from: p, to: c)
        let ref: [String: Any] = patch.isEmpty ? ["=": j] : ["=": j, "~": patch]
        out.append(ref)
      } else {
        let full: [String: Any] = ["+": it]
        out.append(full)
      }
    }
    var o = object
    o["items"] = out
    return try serialize(o)
  }

  /// Rebuilds the full page from a delta body and the previous items.
  static func decode(_ delta: Data, previous: [Any]) throws -> (body: Data, items: [Any]) {
    guard var (o, entries) = items(of: delta) else { throw RecordingError("a delta page is not a JSON page") }
    var rebuilt: [Any] = []
    rebuilt.reserveCapacity(entries.count)
    for e in entries {
      guard let d = e as? [String: Any] else { throw RecordingError("a delta page item is not an object") }
      if let full = d["+"] {
        rebuilt.append(full)
      } else if let j = (d["="] as? NSNumber)?.intValue, j >= 0, j < previous.count {
        if let patch = d["~"] as? [String: Any] {
          rebuilt.append(apply(patch, to: previous[j]))
        } else {
          rebuilt.append(previous[j])
        }
      } else {
        throw RecordingError("a delta page refers to an item the page before it does not have")
      }
    }
    entries = rebuilt
    o["items"] = entries
    return (try serialize(o), entries)
  }

  static func mergePatch(from p: [String: Any], to c: [String: Any]) -> [String: Any] {
    var patch: [String: Any] = [:]
    for (k, v) in c {
      guard let old = p[k] else {
        patch[k] = v
        continue
      }
      if let a = old as? [String: Any], let b = v as? [String: Any] {
        let sub = mergePatch(from: a, to: b)
        if !sub.isEmpty { patch[k] = sub }
      } else if !equal(old, v) {
        patch[k] = v
      }
    }
    for k in p.keys where c[k] == nil { patch[k] = NSNull() }
    return patch
  }

  static func apply(_ patch: [String: Any], to target: Any) -> Any {
    var t = (target as? [String: Any]) ?? [:]
    for (k, v) in patch {
      if v is NSNull {
        t[k] = nil
      } else if let sub = v as? [String: Any] {
        t[k] = apply(sub, to: t[k] ?? [String: Any]())
      } else {
        t[k] = v
      }
    }
    return t
  }

  static func equal(_ a: Any, _ b: Any) -> Bool {
    switch (a, b) {
    case (let x as String, let y as String): return x == y
    case (let x as [String: Any], let y as [String: Any]):
      return x.count == y.count && x.allSatisfy { k, v in y[k].map { equal(v, $0) } ?? false }
    case (let x as [Any], let y as [Any]):
      return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
    case (is NSNull, is NSNull): return true
    case (let x as NSNumber, let y as NSNumber): return x == y && type(of: a) == type(of: b)
    default: return false
    }
  }
}
