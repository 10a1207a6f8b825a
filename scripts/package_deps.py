#!/usr/bin/env python3
"""Package.swift dependencies must match the imports exactly.

  scripts/package_deps.py --check   exit 1 and list every target whose dependencies differ from its imports
  scripts/package_deps.py --write   rewrite each target's `dependencies: [...]` from its imports

A target's imports are the modules its Swift files import (Foundation, Glibc, XCTest and the like are the
platform's and not listed). External products are named as Package.swift names them.
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLATFORM = {"Foundation", "FoundationEssentials", "Glibc", "XCTest", "Dispatch", "Darwin", "Musl", "Testing", "os", "Synchronization", "FoundationXML", "FoundationNetworking"}
PRODUCTS = {
    "Yams": '.product(name: "Yams", package: "Yams")',
    "Crypto": '.product(name: "Crypto", package: "swift-crypto")',
    "Logging": '.product(name: "Logging", package: "swift-log")',
    "ArgumentParser": '.product(name: "ArgumentParser", package: "swift-argument-parser")',
}
TARGET = re.compile(r'\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)"(.*?)\)(?=,\s*(?:\n\s*//[^\n]*)*\n\s*\.(?:target|executableTarget|testTarget|systemLibrary)\(|,?\s*\n\s*\],\s*\n\s*swiftLanguageModes)', re.S)


def targets(text):
    out = []
    for m in TARGET.finditer(text):
        kind, name, rest = m.group(1), m.group(2), m.group(3)
        pm = re.search(r'path:\s*"([^"]+)"', rest)
        path = pm.group(1) if pm else ("Tests/" + name if kind == "testTarget" else "Sources/" + name)
        dm = re.search(r'dependencies:\s*\[(.*?)\]', rest, re.S)
        deps = set()
        if dm:
            body = dm.group(1)
            deps |= set(re.findall(r'\.product\(name:\s*"([^"]+)"', body))
            deps |= set(re.findall(r'"([^"]+)"', re.sub(r'\.product\([^)]*\)', "", body)))
        out.append((kind, name, path, deps, m))
    return out


def imports(path):
    found = set()
    for f in glob.glob(os.path.join(ROOT, path, "**", "*.swift"), recursive=True):
        in_string = False
        for line in open(f, encoding="utf-8"):
            # Lines inside multi-line string literals are text, not imports.
            if line.count('"""') % 2 == 1:
                in_string = not in_string
                continue
            if in_string:
                continue
            m = re.match(r'^\s*(?:@testable\s+|@_implementationOnly\s+|(?:public|internal|package)\s+)?import\s+(?:struct\s+|enum\s+|class\s+|func\s+)?(\w+)', line)
            if m:
                found.add(m.group(1))
    return found - PLATFORM


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "--check"
    pkg = os.path.join(ROOT, "Package.swift")
    text = open(pkg, encoding="utf-8").read()
    ts = targets(text)
    bad = []
    for kind, name, path, deps, _ in ts:
        if kind == "systemLibrary":
            continue
        imp = imports(path) - {name}
        if imp != deps:
            bad.append((name, sorted(imp - deps), sorted(deps - imp), imp))
    if mode == "--check":
        for name, missing, extra, _ in bad:
            print(f"{name}: imports not in dependencies: {missing}; dependencies not imported: {extra}")
        print(f"{len(ts)} targets, {len(bad)} differ")
        return 1 if bad else 0
    for name, _, _, imp in bad:
        entries = [PRODUCTS.get(i, f'"{i}"') for i in sorted(imp, key=lambda x: (x in PRODUCTS, x))]
        new = "dependencies: [" + ", ".join(entries) + "]"
        block = re.search(r'\.(?:target|executableTarget|testTarget)\(\s*name:\s*"' + re.escape(name) + r'"', text)
        start = block.start()
        seg_end = text.find("\n    .", start + 1)
        seg = text[start:seg_end if seg_end > 0 else len(text)]
        if "dependencies:" in seg:
            seg2 = re.sub(r'dependencies:\s*\[.*?\]', new, seg, count=1, flags=re.S)
        else:
            seg2 = seg.replace(f'name: "{name}"', f'name: "{name}", {new}', 1)
        text = text[:start] + seg2 + text[start + len(seg):]
    open(pkg, "w", encoding="utf-8").write(text)
    print(f"rewrote {len(bad)} targets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
