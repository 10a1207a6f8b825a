"""Issue 12 conventions at the command line: --help lists the dashboard's flags; a typo gets a suggestion."""
import subprocess


def run(binary, *args):
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=30)


def test_root_help_lists_the_dashboard_flags(dmswatch_bin):
    p = run(dmswatch_bin, "--help")
    assert p.returncode == 0, p.stderr
    assert "SUBCOMMANDS:" in p.stdout and "DASHBOARD OPTIONS" in p.stdout
    for flag in ("--demo", "--profile", "--region", "--read-only", "--theme", "--refresh"):
        assert flag in p.stdout, flag


def test_mistyped_subcommand_suggests_the_closest_and_exits_2(dmswatch_bin):
    p = run(dmswatch_bin, "chek")
    assert p.returncode == 2
    assert "Did you mean 'check'?" in p.stderr
    p = run(dmswatch_bin, "reconcil")
    assert p.returncode == 2 and "Did you mean 'reconcile'?" in p.stderr
    p = run(dmswatch_bin, "zzzzzzzz")
    assert p.returncode == 2 and "unknown command 'zzzzzzzz'" in p.stderr and "Did you mean" not in p.stderr
    # Real subcommands are untouched.
    assert run(dmswatch_bin, "help", "check").returncode == 0
