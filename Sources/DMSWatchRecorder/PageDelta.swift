import Foundation

/// De-duplication inside a listing: a task list page differs from the last one of the same request
/// mostly in a counter or two per task (elapsed time, progress). A `dp` line's body is the page with
/// each item written as `{"=":i}` (item i of the last page for the request, unchanged),
/// `{"=":i,"~":patch}` (that item with a JSON merge patch, RFC 7386, two levels deep) or
/// `{"+":item}` (new). It works on the JSON text itself (the encoder's compact output): members are
/// compared and copied as bytes, nothing is parsed into values and printed again.
enum PageDelta {
  /// Operations whose pages are written as deltas (the task listings).
  static func applies(to op: String) -> Bool { op.hasPrefix("list:") || op == RecordedOp.tasks }

  /// An object's members as raw key and value bytes, in order.
  typealias Members = [(key: ArraySlice<UInt8>, value: ArraySlice<UInt8>)]

  struct Page {
    var members: Members
    var items: [ArraySlice<UInt8>]
  }

  static func page(_ body: Data) -> Page? {
    let b = [UInt8](body)
    guard let m = try? members(b[...]), let raw = m.first(where: { $0.key.elementsEqual(itemsKey) })?.value,
      let items = try? elements(raw)
    else { return nil }
    return Page(members: m, items: items)
  }

  static let itemsKey = Array("\"items\"".utf8)

  /// The delta body of `current` against the previous page's items, or nil when it is not smaller.
  static func encode(_ current: Page, previous: [ArraySlice<UInt8>], fullSize: Int) -> Data? {
    var out: [UInt8] = []
    out.reserveCapacity(fullSize / 4)
    out += Array("{\"items\":[".utf8)
    for (j, it) in current.items.enumerated() {
      if j > 0 { out.append(UInt8(ascii: ",")) }
      if j < previous.count, let p = try? members(previous[j]), let c = try? members(it) {
        let patch = mergePatch(p, c)
        out += Array("{\"=\":\(j)".utf8)
        if !patch.isEmpty {
          out += Array(",\"~\":".utf8)
          out += patch
        }
        out.append(UInt8(ascii: "}"))
      } else {
        out += Array("{\"+\":".utf8)
        out += it
        out.append(UInt8(ascii: "}"))
      }
      if out.count >= fullSize { return nil }
    }
    out.append(UInt8(ascii: "]"))
    for m in current.members where !m.key.elementsEqual(itemsKey) {
      out.append(UInt8(ascii: ","))
      out += m.key
      out.append(UInt8(ascii: ":"))
      out += m.value
    }
    out.append(UInt8(ascii: "}"))
    return out.count < fullSize ? Data(out) : nil
  }

  /// Rebuilds the full page (body bytes and items) from a delta body and the previous items.
  static func decode(_ delta: Data, previous: [ArraySlice<UInt8>]) throws -> (body: Data, items: [ArraySlice<UInt8>]) {
    let b = [UInt8](delta)
    let top = try members(b[...])
    guard let raw = top.first(where: { $0.key.elementsEqual(itemsKey) })?.value else {
      throw RecordingError("a delta page has no items")
    }
    var out: [UInt8] = Array("{\"items\":[".utf8)
    var ranges: [Range<Int>] = []
    for (n, e) in try elements(raw).enumerated() {
      let m = try members(e)
      let start = out.count + (n > 0 ? 1 : 0)
      if n > 0 { out.append(UInt8(ascii: ",")) }
      if let full = m.first(where: { $0.key.elementsEqual(plusKey) })?.value {
        out += full
      } else if let ref = m.first(where: { $0.key.elementsEqual(eqKey) })?.value, let j = Int(String(decoding: ref, as: UTF8.self)),
        j >= 0, j < previous.count
      {
        if let patch = m.first(where: { $0.key.elementsEqual(patchKey) })?.value {
          out += try apply(try members(patch), to: try members(previous[j]))
        } else {
          out += previous[j]
        }
      } else {
        throw RecordingError("a delta page refers to an item the page before it does not have")
      }
      ranges.append(start..<out.count)
    }
    out.append(UInt8(ascii: "]"))
    for m in top where !m.key.elementsEqual(itemsKey) {
      out.append(UInt8(ascii: ","))
      out += m.key
      out.append(UInt8(ascii: ":"))
      out += m.value
    }
    out.append(UInt8(ascii: "}"))
    // Slices of the final buffer (stable once built).
    let final = out
    return (Data(final), ranges.map { final[$0] })
  }

  static let plusKey = Array("\"+\"".utf8)
  static let eqKey = Array("\"=\"".utf8)
  static let patchKey = Array("\"~\"".utf8)

  /// The merge patch from `p` to `c` as JSON text (empty when equal): changed and new members,
  /// `null` for removed ones, nested objects patched one level down.
  static func mergePatch(_ p: Members, _ c: Members, depth: Int = 0) -> [UInt8] {
    var parts: [[UInt8]] = []
    var old: [ArraySlice<UInt8>: ArraySlice<UInt8>] = [:]
    for m in p { old[m.key] = m.value }
    var seen = Set<ArraySlice<UInt8>>()
    for m in c {
      seen.insert(m.key)
      guard let o = old[m.key] else {
        parts.append(Array(m.key) + [UInt8(ascii: ":")] + Array(m.value))
        continue
      }
      if o.elementsEqual(m.value) { continue }
      if depth == 0, o.first == UInt8(ascii: "{"), m.value.first == UInt8(ascii: "{"), let a = try? members(o), let b = try? members(m.value) {
        let sub = mergePatch(a, b, depth: 1)
        if !sub.isEmpty { parts.append(Array(m.key) + [UInt8(ascii: ":")] + sub) }
      } else {
        parts.append(Array(m.key) + [UInt8(ascii: ":")] + Array(m.value))
      }
    }
    for m in p where !seen.contains(m.key) { parts.append(Array(m.key) + Array(":null".utf8)) }
    if parts.isEmpty { return [] }
    return [UInt8(ascii: "{")] + Array(parts.joined(separator: [UInt8(ascii: ",")])) + [UInt8(ascii: "}")]
  }

  static func apply(_ patch: Members, to target: Members) throws -> [UInt8] {
    var out = target.map { (key: $0.key, value: Array($0.value)) }
    for m in patch {
      let i = out.firstIndex { $0.key.elementsEqual(m.key) }
      if m.value.elementsEqual("null".utf8) {
        if let i { out.remove(at: i) }
      } else if m.value.first == UInt8(ascii: "{"), let i, out[i].value.first == UInt8(ascii: "{") {
        out[i].value = try apply(try members(m.value), to: try members(out[i].value[...]))
      } else if let i {
        out[i].value = Array(m.value)
      } else {
        out.append((m.key, Array(m.value)))
      }
    }
    var text: [UInt8] = [UInt8(ascii: "{")]
    for (n, m) in out.enumerated() {
      if n > 0 { text.append(UInt8(ascii: ",")) }
      text += m.key
      text.append(UInt8(ascii: ":"))
      text += m.value
    }
    text.append(UInt8(ascii: "}"))
    return text
  }

  // MARK: a scanner for compact JSON (no whitespace between tokens, as JSONEncoder writes)

  struct Malformed: Error {}

  /// The end index of the value starting at `i`.
  static func skipValue(_ b: ArraySlice<UInt8>, _ i: Int) throws -> Int {
    guard i < b.endIndex else { throw Malformed() }
    switch b[i] {
    case UInt8(ascii: "\""):
      var j = i + 1
      while j < b.endIndex {
        if b[j] == UInt8(ascii: "\\") { j += 2; continue }
        if b[j] == UInt8(ascii: "\"") { return j + 1 }
        j += 1
      }
      throw Malformed()
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      var depth = 0
      var j = i
      while j < b.endIndex {
        let c = b[j]
        if c == UInt8(ascii: "\"") {
          j = try skipValue(b, j)
          continue
        }
        if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
        if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
          depth -= 1
          if depth == 0 { return j + 1 }
        }
        j += 1
      }
      throw Malformed()
    default:
      var j = i
      while j < b.endIndex, b[j] != UInt8(ascii: ","), b[j] != UInt8(ascii: "}"), b[j] != UInt8(ascii: "]") { j += 1 }
      if j == i { throw Malformed() }
      return j
    }
  }

  static func members(_ b: ArraySlice<UInt8>) throws -> Members {
    guard b.first == UInt8(ascii: "{"), b.last == UInt8(ascii: "}") else { throw Malformed() }
    var out: Members = []
    var i = b.startIndex + 1
    let end = b.endIndex - 1
    while i < end {
      let k = try skipValue(b, i)
      guard b[i] == UInt8(ascii: "\""), k < end, b[k] == UInt8(ascii: ":") else { throw Malformed() }
      let v = try skipValue(b, k + 1)
      guard v <= end else { throw Malformed() }
      out.append((b[i..<k], b[(k + 1)..<v]))
      i = v
      if i < end {
        guard b[i] == UInt8(ascii: ",") else { throw Malformed() }
        i += 1
      }
    }
    return out
  }

  static func elements(_ b: ArraySlice<UInt8>) throws -> [ArraySlice<UInt8>] {
    guard b.first == UInt8(ascii: "["), b.last == UInt8(ascii: "]") else { throw Malformed() }
    var out: [ArraySlice<UInt8>] = []
    var i = b.startIndex + 1
    let end = b.endIndex - 1
    while i < end {
      let v = try skipValue(b, i)
      guard v <= end else { throw Malformed() }
      out.append(b[i..<v])
      i = v
      if i < end {
        guard b[i] == UInt8(ascii: ",") else { throw Malformed() }
        i += 1
      }
    }
    return out
  }
}
