import Foundation

enum DMSWatchRenderModulePlaceholder {}
