"""A fault-injecting HTTP proxy for end-to-end reliability tests (loopback only).

    proxy = FaultProxy(upstream_port).start()      # listens on 127.0.0.1:proxy.port
    proxy.set_fault("throttle", ops={"DescribeReplicationTasks"})
    proxy.set_fault("lost", ops={"StopReplicationTask"}, times=1)   # only the first matching request
    proxy.clear()
    proxy.stop()

dmswatch talks to the proxy as its `--endpoint-url`; the proxy forwards each request to the
moto-based DMS peer and, while a fault is set, answers the matching operations with that fault
instead. The operation is read from `X-Amz-Target` (JSON protocols) or `Action=` (query protocol).

Bounded: it refuses connections after `max_requests` requests and shuts itself down after
`max_seconds`, so a test that forgets to stop it cannot leave it running.

Faults:
    throttle        400 ThrottlingException (JSON error body)
    500 / 503       server error with a JSON body
    slow            waits `slow_seconds` before forwarding (longer than dmswatch's --timeout)
    reset           closes the connection with RST before answering (request not forwarded)
    lost            forwards the request, then resets the connection (the response is lost)
    truncated       forwards, then sends the first half of the body (Content-Length matches the half)
    malformed       200 with a body that is not JSON
    html            502 with an HTML error page (text/html), as a load balancer sends
    content_type    200 with an XML body and Content-Type text/xml on a JSON API
    empty           200 with an empty body
    marker_loop     forwards, then sets "Marker": "loop" in the JSON answer (a paginator that never ends)
"""
import http.client
import json
import socket
import socketserver
import struct
import threading
import time

FAULTS = ("throttle", "500", "503", "slow", "reset", "lost", "truncated", "malformed", "html",
          "content_type", "empty", "marker_loop")


def _operation(headers, body):
    target = headers.get("x-amz-target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    text = body.decode("latin-1", "replace")
    for part in text.split("&"):
        if part.startswith("Action="):
            return part[len("Action="):]
    return ""


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        proxy = self.server.proxy
        sock = self.request
        sock.settimeout(30)
        buf = b""
        while not proxy.stopped:
            # Read one request (headers, then Content-Length bytes).
            while b"\r\n\r\n" not in buf:
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            n = int(headers.get("content-length") or 0)
            if headers.get("expect", "").lower() == "100-continue" and len(buf) < n:
                sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            while len(buf) < n:
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                buf += chunk
            body, buf = buf[:n], buf[n:]
            if not proxy.admit():
                self._reset()
                return
            op = _operation(headers, body)
            fault = proxy.fault_for(op)
            if not self._serve(proxy, fault, op, method, path, headers, body):
                return

    def _reset(self):
        try:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.request.close()
        except OSError:
            pass

    def _send(self, status, reason, body, ctype="application/x-amz-json-1.1", extra=None):
        hdrs = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {ctype}", f"Content-Length: {len(body)}",
                "x-amzn-RequestId: 00000000-0000-0000-0000-fa17fa17fa17"]
        hdrs += extra or []
        try:
            self.request.sendall(("\r\n".join(hdrs) + "\r\n\r\n").encode() + body)
            return True
        except OSError:
            return False

    def _forward(self, proxy, method, path, headers, body):
        conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
        fwd = {k: v for k, v in headers.items() if k not in ("connection", "expect", "proxy-connection")}
        conn.request(method, path, body=body, headers=fwd)
        r = conn.getresponse()
        data = r.read()
        ctype = r.getheader("Content-Type") or "application/x-amz-json-1.1"
        conn.close()
        return r.status, r.reason, data, ctype

    def _serve(self, proxy, fault, op, method, path, headers, body):
        if fault == "throttle":
            return self._send(400, "Bad Request", json.dumps(
                {"__type": "ThrottlingException", "message": "Rate exceeded"}).encode())
        if fault in ("500", "503"):
            return self._send(int(fault), "Service Unavailable" if fault == "503" else "Internal Server Error", json.dumps(
                {"__type": "InternalFailure" if fault == "500" else "ServiceUnavailable",
                 "message": "injected server error"}).encode())
        if fault == "reset":
            self._reset()
            return False
        if fault == "html":
            return self._send(502, "Bad Gateway", b"<html><head><title>502 Bad Gateway</title></head>"
                              b"<body><h1>502 Bad Gateway</h1></body></html>", ctype="text/html")
        if fault == "malformed":
            return self._send(200, "OK", b'{"ReplicationTasks": [{"ReplicationTaskArn": ')
        if fault == "empty":
            return self._send(200, "OK", b"")
        if fault == "content_type":
            return self._send(200, "OK", b"<?xml version=\"1.0\"?><Response><Errors/></Response>", ctype="text/xml")
        if fault == "slow":
            deadline = time.time() + proxy.slow_seconds
            while time.time() < deadline and not proxy.stopped:
                time.sleep(0.05)
        try:
            status, reason, data, ctype = self._forward(proxy, method, path, headers, body)
        except OSError:
            return self._send(502, "Bad Gateway", b"upstream unavailable", ctype="text/plain")
        if fault == "lost":
            proxy.note_lost(op)
            self._reset()
            return False
        if fault == "truncated" and len(data) > 1:
            data = data[: len(data) // 2]
        if fault == "marker_loop" and status == 200:
            try:
                obj = json.loads(data or b"{}")
                obj["Marker"] = "loop"
                data = json.dumps(obj).encode()
            except ValueError:
                pass
        return self._send(status, reason, data, ctype=ctype)


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultProxy:
    def __init__(self, upstream_port, max_requests=20000, max_seconds=300, slow_seconds=3.5):
        self.upstream_port = upstream_port
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        self.fault = None
        self.ops = None
        self.remaining = None
        self.requests = 0
        self.by_op = {}
        self.injected = {}
        self.lost = []
        self.stopped = False
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.proxy = self
        self.port = self.server.server_address[1]
        self._threads = []

    # control
    def start(self):
        t = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        t.start()
        timer = threading.Timer(self.max_seconds, self.stop)
        timer.daemon = True
        timer.start()
        self._threads = [t, timer]
        return self

    def stop(self):
        with self.lock:
            if self.stopped:
                return
            self.stopped = True
        self.server.shutdown()
        self.server.server_close()
        self._threads[1].cancel()

    def set_fault(self, fault, ops=None, times=None):
        """Injects `fault` into the matching operations; with `times`, only into that many requests."""
        assert fault in FAULTS, fault
        with self.lock:
            self.fault = fault
            self.ops = set(ops) if ops else None
            self.remaining = times

    def clear(self):
        with self.lock:
            self.fault = None
            self.ops = None
            self.remaining = None

    # bookkeeping (called from handler threads)
    def admit(self):
        with self.lock:
            self.requests += 1
            return not self.stopped and self.requests <= self.max_requests

    def fault_for(self, op):
        with self.lock:
            self.by_op[op] = self.by_op.get(op, 0) + 1
            if self.fault and (self.ops is None or op in self.ops):
                fault = self.fault
                self.injected[fault] = self.injected.get(fault, 0) + 1
                if self.remaining is not None:
                    self.remaining -= 1
                    if self.remaining <= 0:
                        self.fault, self.ops, self.remaining = None, None, None
                return fault
            return None

    def note_lost(self, op):
        with self.lock:
            self.lost.append(op)

    def count(self, op):
        with self.lock:
            return self.by_op.get(op, 0)


# --- harness: the moto-based DMS peer and dmswatch's AWS environment -------------------------

import os
import signal
import subprocess
import sys

PEER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Peer:
    """dms_peer.py on a free loopback port, seeded with seed.py (3 tasks, task-0 running, logs)."""

    def __init__(self, tmp_path, scenario=None, region="us-east-1", tasks=3):
        self.tmp = tmp_path
        self.region = region
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        f = tmp_path / "scenario.json"
        f.write_text(json.dumps(scenario or {}))
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(PEER_DIR, "dms_peer.py"), "--port", str(self.port), "--scenario", str(f)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("the DMS peer did not start")
        out = subprocess.run([sys.executable, os.path.join(PEER_DIR, "seed.py"), self.url, "--region", region,
                              "--tasks", str(tasks)], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            self.stop()
            raise RuntimeError(f"seeding failed: {out.stderr}")
        self.seed = json.loads(out.stdout)

    def client(self, service):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name=self.region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def task_status(self, identifier):
        for t in self.client("dms").describe_replication_tasks()["ReplicationTasks"]:
            if t["ReplicationTaskIdentifier"] == identifier:
                return t["Status"]
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(1.5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def aws_env(tmp_path, **extra):
    """Environment for dmswatch against a loopback peer: static test keys, no metadata service, HOME in tmp."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "NO_COLOR": "",
        "HOME": str(home), "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
    }
    env.update(extra)
    return env


UNSET_AWS = "env -u AWS_PROFILE -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_SESSION_TOKEN -u AWS_ROLE_ARN"


def child_pid(parent):
    """The first child process of `parent` (dmswatch under the tmux pane's shell)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


# --- screen helpers -----------------------------------------------------------------------------

HELP_TEXT = "HELP: keys"


def frame_lines(screen, title):
    """(top, bottom) lines of the pane frame whose top line carries `title`."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if line[:1] in ("┌", "+") and f" {title}" in line[:len(title) + 6]:
            for j in range(i + 1, len(lines)):
                if lines[j][:1] in ("└", "+"):
                    return line, lines[j]
            return line, ""
    return "", ""


def pane_error(screen, title):
    """The error shown on a pane's bottom frame line ("! message"), or None."""
    _, bottom = frame_lines(screen, title)
    k = bottom.find("! ")
    if k < 0:
        return None
    return bottom[k + 2:].rstrip("─-+┘ ")


def key_latency(tmux, key="?", expect=HELP_TEXT, close="Escape", limit=2.0):
    """Seconds from sending `key` until `expect` is on screen (polled every 10 ms); closes it again."""
    t0 = time.monotonic()
    tmux.send(key)
    seen = None
    while time.monotonic() - t0 < limit:
        if expect in tmux.capture():
            seen = time.monotonic() - t0
            break
        time.sleep(0.01)
    if close:
        tmux.send(close)
        tmux.wait_for(lambda s: expect not in s, timeout=5)
    return seen if seen is not None else float("inf")


def median_latency(tmux, tries=3, **kw):
    """The median of a few measurements (the harness itself costs a few ms per capture)."""
    xs = sorted(key_latency(tmux, **kw) for _ in range(tries))
    return xs[len(xs) // 2], xs
