"""Real PostgreSQL and MariaDB servers on 127.0.0.1 for the reconciliation tests and the bench.

Each server runs from a temporary data directory on a free loopback port, as an unprivileged user
(PostgreSQL refuses root; MariaDB runs as `mysql`), and is stopped by PID. Users get passwords, so a
wrong password is a real authentication failure.

    python3 dbservers.py start DIR     prints {"pg": {...}, "maria": {...}} as JSON, servers keep running
    python3 dbservers.py stop DIR      stops them by the PIDs recorded in DIR/servers.json
"""
import glob
import json
import os
import pathlib
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time

ADMIN_PASSWORD = "admin-secret-1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def pg_bindir():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "postgres")):
            return d
    return None


def maria_binaries():
    server = shutil.which("mariadbd") or shutil.which("mysqld") or ("/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None)
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    client = shutil.which("mariadb") or shutil.which("mysql")
    return server, install, client


def missing():
    """Why the servers cannot run here, or None."""
    why = []
    if not pg_bindir() or not shutil.which("psql"):
        why.append("PostgreSQL server binaries (postgresql) not installed")
    s, i, c = maria_binaries()
    if not (s and i and c):
        why.append("MariaDB server binaries (mariadb-server) not installed")
    return "; ".join(why) or None


def _as_user(user):
    """preexec_fn that drops to `user` when running as root."""
    if os.getuid() != 0:
        return None, None
    pw = pwd.getpwnam(user)

    def drop():
        os.setgid(pw.pw_gid)
        os.initgroups(user, pw.pw_gid)
        os.setuid(pw.pw_uid)
    return drop, pw


def _wait_port(port, proc, what, logfile, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early: " + pathlib.Path(logfile).read_text(errors="replace")[-1500:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


class Postgres:
    def __init__(self, root):
        self.root = pathlib.Path(root) / "pg"
        self.port = free_port()
        self.proc = None
        self.pid = None

    def start(self):
        bindir = pg_bindir()
        self.root.mkdir(parents=True, exist_ok=True)
        data = self.root / "data"
        sock = self.root / "sock"
        sock.mkdir(exist_ok=True)
        pwfile = self.root / "pw"
        pwfile.write_text(ADMIN_PASSWORD + "\n")
        drop, pw = _as_user("postgres")
        if pw:
            for p in [self.root, sock, pwfile]:
                os.chown(p, pw.pw_uid, pw.pw_gid)
        log = self.root / "server.log"
        subprocess.run([f"{bindir}/initdb", "-D", str(data), "-U", "admin", "-A", "scram-sha-256", f"--pwfile={pwfile}",
                        "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True, preexec_fn=drop, timeout=120)
        with open(log, "w") as lf:
            if pw:
                os.chown(log, pw.pw_uid, pw.pw_gid)
            self.proc = subprocess.Popen(
                [f"{bindir}/postgres", "-D", str(data), "-k", str(sock), "-p", str(self.port), "-h", "127.0.0.1",
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200",
                 "-c", "shared_buffers=128MB"],
                stdout=lf, stderr=subprocess.STDOUT, preexec_fn=drop, start_new_session=True)
        self.pid = self.proc.pid
        _wait_port(self.port, self.proc, "postgres", log)
        # Accepting TCP is not yet accepting queries.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = self.psql("postgres", "SELECT 1", check=False)
            if r.returncode == 0:
                return self
            time.sleep(0.2)
        raise RuntimeError("postgres did not accept queries: " + r.stderr)

    def psql(self, db, sql, user="admin", password=ADMIN_PASSWORD, check=True):
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
        r = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", user, "-d", db, "-v", "ON_ERROR_STOP=1",
                            "-q", "-At", "-c", sql], capture_output=True, text=True, env=env, timeout=300)
        if check and r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr}\n{sql[:500]}")
        return r

    def info(self):
        return {"port": self.port, "pid": self.pid, "admin_user": "admin", "admin_password": ADMIN_PASSWORD}


class MariaDB:
    def __init__(self, root):
        self.root = pathlib.Path(root) / "maria"
        self.port = free_port()
        self.proc = None
        self.pid = None

    @property
    def socket(self):
        return str(self.root / "mysqld.sock")

    def start(self):
        server, install, _ = maria_binaries()
        self.root.mkdir(parents=True, exist_ok=True)
        data = self.root / "data"
        drop, pw = _as_user("mysql")
        user = "mysql" if pw else pwd.getpwuid(os.getuid()).pw_name
        if pw:
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        subprocess.run([install, "--no-defaults", f"--datadir={data}", f"--user={user}", "--auth-root-authentication-method=normal",
                        "--skip-test-db"], check=True, capture_output=True, timeout=180)
        log = self.root / "server.log"
        self.proc = subprocess.Popen(
            [server, "--no-defaults", f"--datadir={data}", f"--port={self.port}", "--bind-address=127.0.0.1",
             f"--socket={self.socket}", f"--pid-file={self.root / 'mysqld.pid'}", f"--log-error={log}", f"--user={user}",
             "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin", "--max-connections=300",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.proc.pid
        _wait_port(self.port, self.proc, "mariadbd", log)
        self.sql("", "CREATE USER IF NOT EXISTS 'admin'@'%' IDENTIFIED BY '" + ADMIN_PASSWORD + "'; "
                 "GRANT ALL ON *.* TO 'admin'@'%' WITH GRANT OPTION;")
        return self

    def sql(self, db, sql, check=True):
        _, _, client = maria_binaries()
        args = [client, "--no-defaults", f"--socket={self.socket}", "-uroot", "--batch", "--skip-column-names"]
        if db:
            args.append(db)
        r = subprocess.run(args, input=sql, capture_output=True, text=True, timeout=300)
        if check and r.returncode != 0:
            raise RuntimeError(f"mariadb failed: {r.stderr}\n{sql[:500]}")
        return r

    def info(self):
        return {"port": self.port, "pid": self.pid, "socket": self.socket, "admin_user": "admin", "admin_password": ADMIN_PASSWORD}


def stop_pid(pid, timeout=15):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return
        except ChildProcessError:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    root = pathlib.Path(sys.argv[2])
    state = root / "servers.json"
    if sys.argv[1] == "stop":
        if state.exists():
            info = json.loads(state.read_text())
            for k in ("pg", "maria"):
                if k in info:
                    stop_pid(info[k]["pid"])
        return
    why = missing()
    if why:
        print(json.dumps({"skip": why}))
        return
    root.mkdir(parents=True, exist_ok=True)
    pg = Postgres(root).start()
    maria = MariaDB(root).start()
    info = {"pg": pg.info(), "maria": maria.info()}
    state.write_text(json.dumps(info))
    print(json.dumps(info))


if __name__ == "__main__":
    main()
