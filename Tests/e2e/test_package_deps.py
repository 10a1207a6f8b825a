"""Package.swift dependencies match the imports exactly (scripts/package_deps.py), so layering stays compiler-checked."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_package_dependencies_match_imports():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "package_deps.py"), "--check"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert " 0 differ" in p.stdout


def test_pure_targets_import_no_system_library():
    """Domain, rules, reports, state, engine and render know nothing of curses, curl or databases."""
    pure = ["DMSWatchModel", "DMSWatchRules", "DMSWatchReports", "DMSWatchState", "DMSWatchEngine", "DMSWatchRender"]
    banned = ("CNCursesW", "CCurl", "CLibPQ", "CMariaDB", "CurlTransport", "TerminalBackend", "DatabaseClients", "Yams")
    for t in pure:
        for dirpath, _, files in os.walk(os.path.join(ROOT, "Sources", t)):
            for f in files:
                text = open(os.path.join(dirpath, f), encoding="utf-8").read()
                for b in banned:
                    assert f"import {b}\n" not in text, f"{t}/{f} imports {b}"
