import Foundation

enum AWSClientModulePlaceholder {}
