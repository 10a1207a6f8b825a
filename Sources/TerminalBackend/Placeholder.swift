import Foundation

enum TerminalBackendModulePlaceholder {}
