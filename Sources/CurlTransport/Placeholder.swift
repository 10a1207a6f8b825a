import Foundation

enum CurlTransportModulePlaceholder {}
