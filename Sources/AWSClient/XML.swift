import DMSWatchModel
import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A minimal XML element tree (query-protocol responses), built with Foundation's XMLParser.
public final class XMLNode: Sendable {
  public let name: String
  public let text: String
  public let children: [XMLNode]

  init(name: String, text: String, children: [XMLNode]) {
    self.name = name
    self.text = text
    self.children = children
  }

  public static func parse(_ data: Data) -> XMLNode? {
    guard let first = data.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }), first == UInt8(ascii: "<")
    else { return nil }
    // AWS sends UTF-8. Foundation's XMLParser traps on element names that are not valid UTF-8
    // (found by Fuzz/FuzzJSON), so such a body is refused here instead of crashing the dashboard.
    guard String(data: data, encoding: .utf8) != nil else { return nil }
    // 50,000 nested elements crashed in the recursive deinit of the tree (and `first` recurses):
    // AWS responses nest a few levels, so a deep body is refused before parsing.
    guard !InputLimits.xmlTooDeep(data) else { return nil }
    let delegate = TreeBuilder()
    let parser = XMLParser(data: data)
    parser.delegate = delegate
    parser.shouldProcessNamespaces = false
    guard parser.parse() else { return nil }
    return delegate.root
  }

  public func child(_ n: String) -> XMLNode? { children.first { $0.name == n } }
  public func all(_ n: String) -> [XMLNode] { children.filter { $0.name == n } }

  /// Depth-first search for the first element called `n` (self included).
  public func first(_ n: String) -> XMLNode? {
    if name == n { return self }
    for c in children { if let f = c.first(n) { return f } }
    return nil
  }

  /// `a.b.c` relative path.
  public func path(_ p: String) -> XMLNode? {
    var cur: XMLNode? = self
    for part in p.split(separator: ".") { cur = cur?.child(String(part)) }
    return cur
  }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
  final class Frame {
    let name: String
    var text = ""
    var children: [XMLNode] = []
    init(_ n: String) { name = n }
  }
  var stack: [Frame] = []
  var root: XMLNode?

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
    attributes attributeDict: [String: String] = [:]
  ) {
    stack.append(Frame(elementName))
    // A second guard on the tree itself, whatever the pre-scan missed (entities, odd markup).
    if stack.count > InputLimits.maxNesting { parser.abortParsing() }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }

  func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
    guard let f = stack.popLast() else { return }
    let node = XMLNode(
      name: f.name, text: f.children.isEmpty ? f.text : f.text.trimmingCharacters(in: .whitespacesAndNewlines),
      children: f.children)
    if let parent = stack.last { parent.children.append(node) } else { root = node }
  }
}
