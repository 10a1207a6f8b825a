import Foundation

enum DMSSimulatorModulePlaceholder {}
