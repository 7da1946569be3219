#!/usr/bin/env python3
"""Signed Zalo webhook bodies for scripts/bench-channels: one per line, "signature<TAB>body",
each with its own msg_id, signed as Zalo signs (sha256 of app id + body + timestamp + OA secret
key, written mac=<hex>)."""
import argparse, hashlib, json, time

parser = argparse.ArgumentParser()
parser.add_argument("--count", type=int, required=True)
parser.add_argument("--users", type=int, required=True)
parser.add_argument("--text", required=True)
parser.add_argument("--prefix", required=True)
parser.add_argument("--user-digit", default="7", help="first digit of the citizens' ids, so two runs name different citizens")
parser.add_argument("--app-id", required=True)
parser.add_argument("--oa-id", required=True)
parser.add_argument("--secret", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()

base = int(time.time() * 1000)
with open(args.out, "w") as out:
    for n in range(args.count):
        timestamp = str(base + n)
        body = json.dumps({
            "app_id": args.app_id, "event_name": "user_send_text", "timestamp": timestamp,
            "sender": {"id": args.user_digit + "%017d" % (n % args.users)}, "recipient": {"id": args.oa_id},
            "user_id_by_app": "55%016d" % (n % args.users),
            "message": {"msg_id": "%s%d" % (args.prefix, n), "text": args.text},
        }, ensure_ascii=False, separators=(",", ":"))
        mac = hashlib.sha256((args.app_id + body + timestamp + args.secret).encode()).hexdigest()
        out.write("mac=%s\t%s\n" % (mac, body))
