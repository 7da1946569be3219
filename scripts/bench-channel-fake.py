#!/usr/bin/env python3
"""A fake Zalo OA API for scripts/bench-channels, on 127.0.0.1: POST /v3.0/oa/message/cs in Zalo's
format (access_token header, {"error":0,"data":{"message_id":…}}), a rate limit per second
beyond which it answers error -32, and GET /stats with what it received. Stops after --lifetime
seconds whatever happens."""
import argparse, json, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--per-second", type=int, default=200)
parser.add_argument("--token", default="bench-access")
parser.add_argument("--lifetime", type=int, default=900)
args = parser.parse_args()

lock = threading.Lock()
state = {"sent": 0, "rate_limited": 0, "bad_token": 0, "per_user": {}, "window": 0, "in_window": 0, "first": None, "last": None}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path != "/stats":
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        with lock:
            users = state["per_user"]
            self.answer({"sent": state["sent"], "rate_limited": state["rate_limited"], "bad_token": state["bad_token"],
                         "users": len(users), "repeated": sum(1 for n in users.values() if n > 1),
                         "first": state["first"], "last": state["last"]})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/v3.0/oa/message/cs":
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        now = time.time()
        with lock:
            if self.headers.get("access_token") != args.token:
                state["bad_token"] += 1
                return self.answer({"error": -216, "message": "Access token is invalid"})
            second = int(now)
            if second != state["window"]:
                state["window"], state["in_window"] = second, 0
            state["in_window"] += 1
            if state["in_window"] > args.per_second:
                state["rate_limited"] += 1
                return self.answer({"error": -32, "message": "Exceeded rate limit"})
            state["sent"] += 1
            user = body.get("recipient", {}).get("user_id", "")
            state["per_user"][user] = state["per_user"].get(user, 0) + 1
            state["first"] = state["first"] or now
            state["last"] = now
            number = state["sent"]
        self.answer({"data": {"message_id": "bench%d" % number, "user_id": user}, "error": 0, "message": "Success"})


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
threading.Timer(args.lifetime, server.shutdown).start()
server.serve_forever()
