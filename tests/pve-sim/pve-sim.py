#!/usr/bin/env python3
"""A Proxmox VE API simulator for clusterdb's tests.

It serves the part of /api2/json that clusterdbd uses, with the real paths,
authentication (API tokens, tickets with CSRF tokens on writes), task ids
(UPIDs), task life cycle and error shapes of Proxmox VE 8:

  POST   /access/ticket                          username, password
  GET    /cluster/nextid
  GET    /nodes/{node}/lxc
  POST   /nodes/{node}/lxc/{vmid}/clone          newid, hostname, full, ...
  GET    /nodes/{node}/lxc/{vmid}/config
  PUT    /nodes/{node}/lxc/{vmid}/config
  POST   /nodes/{node}/lxc/{vmid}/status/start
  POST   /nodes/{node}/lxc/{vmid}/status/shutdown forceStop, timeout
  GET    /nodes/{node}/lxc/{vmid}/interfaces
  DELETE /nodes/{node}/lxc/{vmid}                force, purge
  GET    /nodes/{node}/tasks/{upid}/status

Errors look like Proxmox's: the message in the status line's reason phrase
and, for the json format, {"data": null, "message": "...\\n"} plus
"errors": {param: text} for parameter verification failures (HTTP 400).
Authentication failures are 401 with an empty body.

Control (no authentication, outside /api2): GET /_sim/state (containers,
tasks and a request log without secrets), POST /_sim/inject with a JSON
object {"op": OP, "kind": KIND, ...} that applies to the next `count`
(default 1) requests of that operation, POST /_sim/reset.
  OP:   ticket nextid list clone config_get config_put start interfaces
        delete task_status shutdown
  KIND: task_error (the task stops with exitstatus `message`), http500,
        http400 (errors {param: message}), slow (sleep `seconds` first),
        garbage (a body that is not JSON), huge (a body of `bytes` bytes),
        echo_auth (a 500 whose message repeats the Authorization header,
        Cookie and CSRF token: the client must mask them), no_ip (the
        container never gets an IPv4 address), task_seconds (the task of
        clone/start/delete runs `seconds` instead of --task-seconds)

Run: pve-sim.py --port-file FILE [--tls-cert C --tls-key K] [--node pve]
     [--token user@realm!id=SECRET] [--user root@pam --password PW]
     [--template 9000:debian-12-standard] [--ct 101:hostname (a running CT)]
     [--task-seconds 0.3]
     [--dhcp-seconds 0.2] [--ip-prefix 10.0.0.]
It binds 127.0.0.1 on a free port and writes the port to FILE once ready.
"""

import argparse
import base64
import json
import os
import random
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (timeouts, refused certificates, bounded
    reads) are part of the tests: no tracebacks for them."""

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)

LXC_CONFIG_KEYS = {
    "arch", "cmode", "console", "cores", "cpulimit", "cpuunits", "debug", "description",
    "features", "hookscript", "hostname", "lock", "memory", "nameserver", "onboot",
    "ostype", "protection", "rootfs", "searchdomain", "startup", "swap", "tags",
    "template", "timezone", "tty", "unprivileged", "net0", "net1", "net2", "net3",
}


class ApiError(Exception):
    def __init__(self, status, message, errors=None, body=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.body = body


class State:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.args = args
        self.node = args.node
        self.tokens = {}
        for spec in args.token:
            token_id, _, secret = spec.partition("=")
            self.tokens[token_id] = secret
        self.users = {}
        if args.user:
            self.users[args.user] = args.password or ""
        self.reset()

    def reset(self):
        with self.lock:
            self.containers = {}
            for spec in self.args.template:
                vmid, _, name = spec.partition(":")
                self.containers[int(vmid)] = {
                    "status": "stopped",
                    "template": True,
                    "config": {
                        "hostname": name,
                        "arch": "amd64",
                        "ostype": "debian",
                        "memory": 512,
                        "swap": 512,
                        "cores": 1,
                        "rootfs": "local-lvm:base-%s-disk-0,size=8G" % vmid,
                        "net0": "name=eth0,bridge=vmbr0,hwaddr=%s,ip=dhcp,type=veth" % self.random_mac(),
                        "template": 1,
                        "unprivileged": 1,
                    },
                }
            for spec in self.args.ct:
                vmid, _, name = spec.partition(":")
                self.containers[int(vmid)] = {
                    "status": "running", "template": False, "started": time.monotonic(),
                    "ip": "%s%d" % (self.args.ip_prefix, 200 + len(self.containers)),
                    "config": {
                        "hostname": name, "arch": "amd64", "ostype": "debian",
                        "rootfs": "local-lvm:vm-%s-disk-0,size=8G" % vmid,
                        "net0": "name=eth0,bridge=vmbr0,hwaddr=%s,ip=dhcp,type=veth" % self.random_mac(),
                    },
                }
            self.tasks = {}
            self.tickets = {}
            self.injections = []
            self.requests = []
            self.next_ip = 100
            self.pid = 4000

    @staticmethod
    def random_mac():
        # Proxmox's default prefix (BC:24:11) plus three random bytes.
        return "BC:24:11:" + ":".join("%02X" % random.randrange(256) for _ in range(3))

    def take_injection(self, op):
        with self.lock:
            for inj in self.injections:
                if inj.get("op") == op and int(inj.get("count", 1)) > 0:
                    inj["count"] = int(inj.get("count", 1)) - 1
                    return dict(inj)
        return None

    def new_upid(self, task_type, task_id, user, duration, exitstatus, on_done):
        with self.lock:
            self.pid += 1
            now = int(time.time())
            upid = "UPID:%s:%08X:%08X:%08X:%s:%s:%s:" % (
                self.node, self.pid, 0x1234 + self.pid, now, task_type, task_id, user)
            self.tasks[upid] = {
                "pid": self.pid, "pstart": 0x1234 + self.pid, "starttime": now,
                "type": task_type, "id": str(task_id), "user": user,
                "ends": time.monotonic() + duration, "exitstatus": exitstatus,
                "on_done": on_done, "done": False,
            }
            return upid

    def advance(self):
        """Finish the tasks whose time is up, applying their effect."""
        with self.lock:
            now = time.monotonic()
            for task in self.tasks.values():
                if not task["done"] and now >= task["ends"]:
                    task["done"] = True
                    if task["exitstatus"] == "OK" and task["on_done"]:
                        try:
                            task["on_done"]()
                        except ApiError as e:
                            task["exitstatus"] = e.message
                    task["on_done"] = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pve-api-daemon/3.0"

    def log_message(self, fmt, *args):
        if self.server.state.args.verbose:
            sys.stderr.write("pve-sim: " + (fmt % args) + "\n")

    # ---- plumbing -------------------------------------------------------

    def send(self, status, reason, body_bytes, content_type="application/json;charset=UTF-8"):
        self.send_response(status, reason)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body_bytes)))
        self.send_header("Cache-Control", "max-age=0")
        self.end_headers()
        self.wfile.write(body_bytes)

    def send_data(self, data):
        self.send(200, "OK", json.dumps({"data": data}).encode())

    def send_error_shape(self, err):
        if err.body is not None:
            self.send(err.status, err.message, err.body)
            return
        if err.status == 401:
            # The auth handler answers with the reason phrase and no body.
            self.send(401, err.message, b"")
            return
        body = {"data": None, "message": err.message + "\n"}
        if err.errors:
            body["errors"] = err.errors
        self.send(err.status, err.message, json.dumps(body).encode())

    def read_params(self):
        parsed = urllib.parse.urlsplit(self.path)
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            if self.command not in ("POST", "PUT"):
                raise ApiError(501, "Unexpected content for method '%s'" % self.command)
            raw = self.rfile.read(length)
            ctype = self.headers.get("Content-Type", "")
            if ctype.startswith("application/json"):
                params.update({k: str(v) for k, v in json.loads(raw or b"{}").items()})
            else:
                params.update({k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items()})
        return parsed.path, params

    # ---- authentication -------------------------------------------------

    def authenticate(self, method, rel):
        """Return the user id, or raise 401 as Proxmox's auth handler does."""
        state = self.server.state
        cookie = self.headers.get("Cookie", "")
        auth = self.headers.get("Authorization", "")
        ticket = None
        for part in cookie.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "PVEAuthCookie":
                ticket = urllib.parse.unquote(value)
        if ticket:
            with state.lock:
                session = state.tickets.get(ticket)
            if session is None:
                raise ApiError(401, "invalid ticket")
            if method != "GET" and self.headers.get("CSRFPreventionToken") != session["csrf"]:
                raise ApiError(401, "Permission denied - invalid csrf token")
            return session["user"], "ticket"
        if auth.startswith("PVEAPIToken="):
            value = auth[len("PVEAPIToken="):]
            token_id, sep, secret = value.partition("=")
            if not sep or "!" not in token_id:
                raise ApiError(401, "authentication failure")
            expected = state.tokens.get(token_id)
            if expected is None or not secrets.compare_digest(expected, secret):
                raise ApiError(401, "authentication failure")
            return token_id, "token"
        raise ApiError(401, "No ticket")

    # ---- dispatch -------------------------------------------------------

    def handle_any(self):
        state = self.server.state
        try:
            path, params = self.read_params()
        except ApiError as err:
            self.send_error_shape(err)
            return
        except Exception:  # malformed request body
            self.send_error_shape(ApiError(400, "bad request"))
            return
        if path.startswith("/_sim/"):
            self.control(path, params)
            return
        base = "/api2/json"
        if not path.startswith(base + "/"):
            self.send_error_shape(ApiError(501, "no such uri"))
            return
        rel = path[len(base):]
        entry = {"method": self.command, "path": rel, "auth": None,
                 "csrf": bool(self.headers.get("CSRFPreventionToken")),
                 "params": sorted(k for k in params if k != "password")}
        try:
            state.advance()
            if rel == "/access/ticket" and self.command == "POST":
                entry["auth"] = "login"
                self.record(entry)
                self.login(params)
                return
            user, kind = self.authenticate(self.command, rel)
            entry["auth"] = kind
            entry["user"] = user
            self.record(entry)
            self.route(rel, params, user)
        except ApiError as err:
            entry["status"] = err.status
            self.send_error_shape(err)

    def record(self, entry):
        with self.server.state.lock:
            self.server.state.requests.append(entry)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def apply_injection(self, op):
        inj = self.server.state.take_injection(op)
        if inj is None:
            return None
        kind = inj.get("kind")
        if kind == "slow":
            time.sleep(float(inj.get("seconds", 2)))
            return None
        if kind == "http500":
            raise ApiError(500, inj.get("message", "internal error"))
        if kind == "http400":
            raise ApiError(400, "Parameter verification failed.",
                           errors={inj.get("param", "newid"): inj.get("message", "invalid format")})
        if kind == "garbage":
            raise ApiError(200, "OK", body=b"<html>this is not json")
        if kind == "huge":
            raise ApiError(200, "OK", body=b'{"data":"' + b"x" * int(inj.get("bytes", 5 << 20)) + b'"}')
        if kind == "echo_auth":
            echoed = "auth=%s cookie=%s csrf=%s" % (
                self.headers.get("Authorization", ""), self.headers.get("Cookie", ""),
                self.headers.get("CSRFPreventionToken", ""))
            raise ApiError(500, "proxy error: " + echoed)
        return inj  # task_error, no_ip, task_seconds: the operation applies them itself

    def task_seconds(self, inj):
        if inj is not None and inj.get("kind") == "task_seconds":
            return float(inj.get("seconds", 5))
        return self.server.state.args.task_seconds

    def route(self, rel, params, user):
        state = self.server.state
        parts = [urllib.parse.unquote(p) for p in rel.strip("/").split("/")]
        m = self.command
        if parts == ["cluster", "nextid"] and m == "GET":
            self.apply_injection("nextid")
            with state.lock:
                vmid = 100
                while vmid in state.containers:
                    vmid += 1
            self.send_data(str(vmid))  # Proxmox returns the VMID as a string
            return
        if len(parts) >= 2 and parts[0] == "nodes":
            if parts[1] != state.node:
                raise ApiError(500, "hostname lookup '%s' failed - failed to get address info for: %s: "
                               "Name or service not known" % (parts[1], parts[1]))
            rest = parts[2:]
            if rest == ["lxc"] and m == "GET":
                self.apply_injection("list")
                return self.send_data(self.vmlist())
            if len(rest) == 3 and rest[0] == "tasks" and rest[2] == "status" and m == "GET":
                return self.task_status(rest[1])
            if len(rest) >= 2 and rest[0] == "lxc":
                vmid = self.vmid_param(rest[1], "vmid")
                tail = rest[2:]
                if tail == ["clone"] and m == "POST":
                    return self.clone(vmid, params, user)
                if tail == ["config"] and m == "GET":
                    return self.config_get(vmid)
                if tail == ["config"] and m == "PUT":
                    return self.config_put(vmid, params)
                if tail == ["status", "start"] and m == "POST":
                    return self.start(vmid, user)
                if tail == ["status", "shutdown"] and m == "POST":
                    return self.shutdown(vmid, params, user)
                if tail == ["interfaces"] and m == "GET":
                    return self.interfaces(vmid)
                if tail == [] and m == "DELETE":
                    return self.delete(vmid, params, user)
        raise ApiError(501, "Method '%s %s' not implemented" % (m, rel))

    # ---- operations -----------------------------------------------------

    def login(self, params):
        state = self.server.state
        self.apply_injection("ticket")
        username = params.get("username", "")
        password = params.get("password", "")
        expected = state.users.get(username)
        if expected is None or not secrets.compare_digest(expected, password):
            raise ApiError(401, "authentication failure")
        stamp = "%08X" % int(time.time())
        ticket = "PVE:%s:%s::%s" % (username, stamp, base64.b64encode(os.urandom(96)).decode())
        csrf = "%s:%s" % (stamp, base64.b64encode(os.urandom(32)).decode().rstrip("="))
        with state.lock:
            state.tickets[ticket] = {"user": username, "csrf": csrf}
        self.send_data({"username": username, "ticket": ticket, "CSRFPreventionToken": csrf,
                        "cap": {"vms": {"VM.Allocate": 1}}})

    @staticmethod
    def vmid_param(text, name):
        if not text.isdigit() or not (100 <= int(text) <= 999999999):
            raise ApiError(400, "Parameter verification failed.",
                           errors={name: "value '%s' does not look like a valid VM ID" % text})
        return int(text)

    def container(self, vmid):
        state = self.server.state
        ct = state.containers.get(vmid)
        if ct is None:
            raise ApiError(500, "Configuration file 'nodes/%s/lxc/%d.conf' does not exist"
                           % (state.node, vmid))
        return ct

    def vmlist(self):
        state = self.server.state
        out = []
        with state.lock:
            for vmid, ct in sorted(state.containers.items()):
                entry = {"vmid": vmid, "name": ct["config"].get("hostname", "CT%d" % vmid),
                         "status": ct["status"], "type": "lxc", "maxmem": 536870912,
                         "cpus": 1}
                if ct["template"]:
                    entry["template"] = 1
                out.append(entry)
        return out

    def task_status(self, upid):
        state = self.server.state
        self.apply_injection("task_status")
        with state.lock:
            task = state.tasks.get(upid)
            if task is None:
                raise ApiError(500, "no such task")
            data = {"upid": upid, "node": state.node, "pid": task["pid"], "pstart": task["pstart"],
                    "starttime": task["starttime"], "type": task["type"], "id": task["id"],
                    "user": task["user"], "status": "stopped" if task["done"] else "running"}
            if task["done"]:
                data["exitstatus"] = task["exitstatus"]
        self.send_data(data)

    def check_params(self, params, allowed):
        unknown = {k: "property is not defined in schema and the schema does not allow "
                      "additional properties" for k in params if k not in allowed}
        if unknown:
            raise ApiError(400, "Parameter verification failed.", errors=unknown)

    def clone(self, vmid, params, user):
        state = self.server.state
        inj = self.apply_injection("clone")
        self.check_params(params, {"newid", "hostname", "full", "description", "pool",
                                   "snapname", "storage", "target", "bwlimit"})
        if "newid" not in params:
            raise ApiError(400, "Parameter verification failed.",
                           errors={"newid": "property is missing and it is not optional"})
        newid = self.vmid_param(params["newid"], "newid")
        hostname = params.get("hostname")
        if hostname is not None and not all(c.isalnum() or c in "-." for c in hostname):
            raise ApiError(400, "Parameter verification failed.",
                           errors={"hostname": "value does not look like a valid DNS name"})
        with state.lock:
            source = self.container(vmid)
            if newid in state.containers:
                raise ApiError(500, "unable to create CT %d - CT %d already exists on node '%s'"
                               % (newid, newid, state.node))
            config = dict(source["config"])
            config.pop("template", None)
            # A clone gets a fresh MAC (PVE::API2::LXC clone_vm).
            config["net0"] = "name=eth0,bridge=vmbr0,hwaddr=%s,ip=dhcp,type=veth" % state.random_mac()
            config["rootfs"] = "local-lvm:vm-%d-disk-0,size=8G" % newid
            if hostname:
                config["hostname"] = hostname
            if params.get("description"):
                config["description"] = params["description"]
            config["lock"] = "create"
            # The new CT exists (locked) while the clone runs, like the real one.
            state.containers[newid] = {"status": "stopped", "template": False, "config": config,
                                       "full": params.get("full")}

        def done():
            with state.lock:
                state.containers[newid]["config"].pop("lock", None)

        exitstatus = "OK"
        if inj and inj.get("kind") == "task_error":
            exitstatus = inj.get("message", "clone failed: storage 'local-lvm' is full")
            with state.lock:
                state.containers.pop(newid, None)
        upid = state.new_upid("vzclone", vmid, user, self.task_seconds(inj), exitstatus, done)
        self.send_data(upid)

    def config_get(self, vmid):
        state = self.server.state
        self.apply_injection("config_get")
        with state.lock:
            config = dict(self.container(vmid)["config"])
        config["digest"] = "%040x" % random.getrandbits(160)
        self.send_data(config)

    def config_put(self, vmid, params):
        state = self.server.state
        self.apply_injection("config_put")
        self.check_params(params, LXC_CONFIG_KEYS | {"delete", "digest", "revert"})
        with state.lock:
            ct = self.container(vmid)
            if ct["config"].get("lock"):
                raise ApiError(500, "CT is locked (%s)" % ct["config"]["lock"])
            for key, value in params.items():
                if key in ("delete", "digest", "revert"):
                    continue
                ct["config"][key] = value
            for key in params.get("delete", "").split(","):
                if key:
                    ct["config"].pop(key, None)
        self.send_data(None)

    def start(self, vmid, user):
        state = self.server.state
        inj = self.apply_injection("start")
        with state.lock:
            ct = self.container(vmid)
            if ct["config"].get("lock"):
                raise ApiError(500, "CT is locked (%s)" % ct["config"]["lock"])
            if ct["template"]:
                raise ApiError(500, "cannot start a template")
        no_ip = inj is not None and inj.get("kind") == "no_ip"

        def done():
            with state.lock:
                ct["status"] = "running"
                ct["started"] = time.monotonic()
                # A restart keeps its lease (dnsmasq's dhcp-host pins it).
                if not no_ip and not ct.get("ip"):
                    ct["ip"] = "%s%d" % (state.args.ip_prefix, state.next_ip)
                    state.next_ip += 1

        exitstatus = "OK"
        if inj and inj.get("kind") == "task_error":
            exitstatus = inj.get("message", "startup for container '%d' failed" % vmid)
        self.send_data(state.new_upid("vzstart", vmid, user, self.task_seconds(inj), exitstatus, done))

    def shutdown(self, vmid, params, user):
        state = self.server.state
        inj = self.apply_injection("shutdown")
        self.check_params(params, {"forceStop", "timeout"})
        with state.lock:
            ct = self.container(vmid)
            if ct["template"]:
                raise ApiError(500, "cannot shut down a template")

        def done():
            with state.lock:
                ct["status"] = "stopped"

        exitstatus = "OK"
        if inj and inj.get("kind") == "task_error":
            exitstatus = inj.get("message", "shutdown of container '%d' failed" % vmid)
        self.send_data(state.new_upid("vzshutdown", vmid, user, self.task_seconds(inj), exitstatus, done))

    def interfaces(self, vmid):
        state = self.server.state
        self.apply_injection("interfaces")
        with state.lock:
            ct = self.container(vmid)
            if ct["status"] != "running":
                return self.send_data(None)
            mac = ""
            for part in ct["config"].get("net0", "").split(","):
                if part.startswith("hwaddr="):
                    mac = part[len("hwaddr="):].lower()
            eth0 = {"name": "eth0", "hwaddr": mac, "hardware-address": mac, "ip-addresses": []}
            # DHCP takes a moment after the start.
            if ct.get("ip") and time.monotonic() - ct["started"] >= state.args.dhcp_seconds:
                eth0["inet"] = ct["ip"] + "/24"
                eth0["ip-addresses"].append({"ip-address-type": "inet", "ip-address": ct["ip"],
                                             "prefix": 24})
            lo = {"name": "lo", "hwaddr": "00:00:00:00:00:00", "hardware-address": "00:00:00:00:00:00",
                  "inet": "127.0.0.1/8", "inet6": "::1/128",
                  "ip-addresses": [{"ip-address-type": "inet", "ip-address": "127.0.0.1", "prefix": 8},
                                   {"ip-address-type": "inet6", "ip-address": "::1", "prefix": 128}]}
        self.send_data([lo, eth0])

    def delete(self, vmid, params, user):
        state = self.server.state
        inj = self.apply_injection("delete")
        self.check_params(params, {"force", "purge", "destroy-unreferenced-disks"})
        with state.lock:
            ct = self.container(vmid)
            if ct["status"] == "running" and params.get("force") not in ("1", "true"):
                raise ApiError(500, "unable to destroy CT %d - container is running" % vmid)

        def done():
            # The CT this task destroys, not whatever holds its VMID by the
            # time the task ends: on a real node the VMID stays taken until
            # the destroy is through, so a later clone never gets it first.
            with state.lock:
                if state.containers.get(vmid) is ct:
                    state.containers.pop(vmid)

        exitstatus = "OK"
        if inj and inj.get("kind") == "task_error":
            exitstatus = inj.get("message", "unable to destroy CT %d" % vmid)
        self.send_data(state.new_upid("vzdestroy", vmid, user, self.task_seconds(inj), exitstatus, done))

    # ---- control --------------------------------------------------------

    def control(self, path, params):
        state = self.server.state
        if path == "/_sim/state" and self.command == "GET":
            state.advance()
            with state.lock:
                body = {
                    "containers": {str(k): {"status": v["status"], "template": v["template"],
                                            "config": v["config"], "ip": v.get("ip"),
                                            "full": v.get("full")}
                                   for k, v in state.containers.items()},
                    "tasks": {k: {"type": v["type"], "id": v["id"], "done": v["done"],
                                  "exitstatus": v["exitstatus"]} for k, v in state.tasks.items()},
                    "requests": state.requests,
                }
            self.send(200, "OK", json.dumps(body).encode())
            return
        if path == "/_sim/inject" and self.command == "POST":
            with state.lock:
                state.injections.append(dict(params))
            self.send(200, "OK", b'{"ok":true}')
            return
        if path == "/_sim/reset" and self.command == "POST":
            state.reset()
            self.send(200, "OK", b'{"ok":true}')
            return
        self.send(404, "not found", b'{"error":"no such control"}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--pid-file")
    parser.add_argument("--node", default="pve")
    parser.add_argument("--token", action="append", default=[],
                        help="user@realm!tokenid=SECRET (repeatable)")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--template", action="append", default=[],
                        help="VMID:NAME of an LXC template (repeatable)")
    parser.add_argument("--ct", action="append", default=[],
                        help="VMID:HOSTNAME of a running CT made elsewhere (repeatable)")
    parser.add_argument("--task-seconds", type=float, default=0.3)
    parser.add_argument("--dhcp-seconds", type=float, default=0.2)
    parser.add_argument("--ip-prefix", default="10.0.0.",
                        help="containers get <prefix>100, <prefix>101, ... by DHCP")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not args.template:
        args.template = ["9000:debian-12-standard"]

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake runs in the request's thread, not in accept().
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    if args.pid_file:
        with open(args.pid_file, "w") as f:
            f.write("%d\n" % os.getpid())
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)  # the port file appears whole: the readiness signal
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
