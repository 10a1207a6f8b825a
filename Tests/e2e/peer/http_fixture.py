#!/usr/bin/env python3
"""A loopback HTTP server for CurlTransport tests. Also answers absolute-form (proxy) requests.

    python3 http_fixture.py PORT [--tls]

With --tls it serves HTTPS with a fresh self-signed certificate (made with the openssl CLI), so
clients that verify certificates must refuse it.

GET/POST/PUT /echo      -> JSON {method, path, headers, body, proxied}
GET /gzip               -> gzip-encoded JSON (Content-Encoding: gzip) if the client accepts it
GET /big?n=N            -> N bytes of 'x'
GET /slow               -> waits 10 s before answering
GET /status/CODE        -> that status with a short body
"""
import gzip
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        proxied = self.path.startswith("http://")
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/echo":
            out = {"method": self.command, "path": self.path if proxied else path + (("?" + parts.query) if parts.query else ""),
                   "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode("utf-8", "replace"),
                   "proxied": proxied}
            return self.reply(200, json.dumps(out).encode(), {"Content-Type": "application/json", "X-Multi": "a"})
        if path == "/gzip":
            raw = json.dumps({"compressed": True, "pad": "z" * 5000}).encode()
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                return self.reply(200, gzip.compress(raw), {"Content-Encoding": "gzip"})
            return self.reply(200, raw)
        if path == "/big":
            size = int(parse_qs(parts.query).get("n", ["0"])[0])
            return self.reply(200, b"x" * size)
        if path == "/slow":
            time.sleep(10)
            return self.reply(200, b"late")
        if path.startswith("/status/"):
            return self.reply(int(path.split("/")[2]), b"<html>status page</html>", {"Content-Type": "text/html"})
        return self.reply(404, b"not found")

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def do_CONNECT(self):
        # A proxy that refuses every tunnel, so tests can see HTTPS_PROXY was used.
        self.reply(403, b"tunnel refused by dmswatch fixture", {"X-Fixture": "connect"})


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
    if "--tls" in sys.argv:
        import ssl
        import subprocess
        import tempfile
        d = tempfile.mkdtemp(prefix="dmswatch-tls-")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/k.pem", "-out", f"{d}/c.pem",
                        "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(f"{d}/c.pem", f"{d}/k.pem")
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
