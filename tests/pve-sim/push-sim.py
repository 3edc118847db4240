#!/usr/bin/env python3
"""A push-notification service simulator for clusterdb's tests.

POST /send-notification with the JSON body of DESIGN.md section 7.  The
answer depends on the username's prefix, so one server covers every case:

  approve-*  {"success": true, "action": "approve"}
  reject-*   {"success": true, "action": "reject"}
  timeout-*  {"success": true, "action": "timeout"}
  nosuccess-* {"success": false, "action": "approve"}
  upper-*    {"success": true, "action": "Approve"}  (not exactly "approve")
  strtrue-*  {"success": "true", "action": "approve"} (not the JSON true)
  garbage-*  a body that is not JSON
  error500-* HTTP 500 with an approving body (a non-2xx never grants)
  slow-*     waits --slow-seconds, then approves
  anything else: HTTP 400

The request is checked against the specified shape; a request that does not
match it gets HTTP 422.  GET /_sim/requests lists the bodies received.

Run: push-sim.py --port-file FILE [--slow-seconds 3]
"""

import argparse
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (timeouts, refused certificates, bounded
    reads) are part of the tests: no tracebacks for them."""

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)

EXPECTED_ACTIONS = [
    {"icon": "approve", "title": "Approve", "callback": "approve"},
    {"icon": "reject", "title": "Reject", "callback": "reject"},
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        if self.path == "/_sim/requests":
            with self.server.lock:
                self.send(200, self.server.received)
            return
        self.send(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path != "/send-notification":
            self.send(404, {"error": "not found"})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self.send(400, {"error": "bad json"})
            return
        with self.server.lock:
            self.server.received.append({"body": body,
                                         "content_type": self.headers.get("Content-Type")})
        ok_shape = (self.headers.get("Content-Type", "").startswith("application/json")
                    and isinstance(body, dict)
                    and isinstance(body.get("username"), str)
                    and body.get("title") == "SSH Authentication Request"
                    and isinstance(body.get("body"), str) and body["body"]
                    and body.get("actions") == EXPECTED_ACTIONS)
        if not ok_shape:
            self.send(422, {"success": False, "error": "unexpected request shape"})
            return
        user = body["username"]
        prefix = user.split("-", 1)[0]
        if prefix == "approve":
            self.send(200, {"success": True, "action": "approve"})
        elif prefix == "reject":
            self.send(200, {"success": True, "action": "reject"})
        elif prefix == "timeout":
            self.send(200, {"success": True, "action": "timeout"})
        elif prefix == "nosuccess":
            self.send(200, {"success": False, "action": "approve"})
        elif prefix == "upper":
            self.send(200, {"success": True, "action": "Approve"})
        elif prefix == "strtrue":
            self.send(200, {"success": "true", "action": "approve"})
        elif prefix == "garbage":
            self.send(200, b"<html>approve</html>")
        elif prefix == "error500":
            self.send(500, {"success": True, "action": "approve"})
        elif prefix == "slow":
            time.sleep(self.server.slow_seconds)
            self.send(200, {"success": True, "action": "approve"})
        else:
            self.send(400, {"success": False, "error": "unknown user"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--slow-seconds", type=float, default=3.0)
    args = parser.parse_args()
    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.received = []
    server.slow_seconds = args.slow_seconds
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
