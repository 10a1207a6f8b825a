#!/usr/bin/env python3
"""A loopback HTTP server for CurlTransport tests. Also answers absolute-form (proxy) requests.

    python3 http_fixture.py PORT

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


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
