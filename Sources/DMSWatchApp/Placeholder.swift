import Foundation

enum DMSWatchAppModulePlaceholder {}
