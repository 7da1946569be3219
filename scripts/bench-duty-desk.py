#!/usr/bin/env python3
"""Duty-desk latency: how long an urgent tip takes from the citizen's request to a connected duty
desk's WebSocket, at a steady rate of submissions.

    python3 scripts/bench-duty-desk.py --base-url http://127.0.0.1:8080 [--rate 50] [--seconds 10]

Logs in as the demo's mobile police commander (0901 000 005, CA66-PK02, who receives every urgent
tip of Đắk Lắk), opens /console/duty/live like the page does, then sends urgent anonymous tips
at --rate per second for --seconds from a pool of threads. Each tip's latency is the time from
the start of its POST to the desk's receipt of the event naming its reference. Prints p50, p95,
p99 and max, and how many never arrived; exits 1 if any was lost. Bounded: the run ends after
--seconds plus 5 s of draining. Standard library only.
"""
import argparse
import base64
import http.client
import json
import os
import re
import socket
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

PHONE = "0901 000 005"
PASSWORD = "binhyen-demo-2026"


def request(host, port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def login(host, port):
    response, page = request(host, port, "GET", "/login")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(rb'name="_csrf" value="([^"]*)"', page).group(1).decode()
    form = urllib.parse.urlencode({"phone": PHONE, "password": PASSWORD, "_csrf": token})
    response, _ = request(host, port, "POST", "/login", form,
                          {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    if response.status not in (302, 303):
        sys.exit(f"login failed: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def open_socket(host, port, cookie):
    sock = socket.create_connection((host, port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /console/duty/live HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: http://{host}:{port}\r\n"
                  f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            sys.exit("the server closed the socket during the handshake")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        sys.exit(f"no WebSocket upgrade: {head[:80]!r}")
    return sock, head.split(b"\r\n\r\n", 1)[1]


def read_frames(sock, pending, on_text, stop):
    """Unmasked server frames; text frames go to on_text; pings are answered."""
    buffer = bytearray(pending)
    sock.settimeout(0.5)

    def need(n):
        while len(buffer) < n:
            if stop.is_set():
                return False
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                return False
            buffer.extend(chunk)
        return True

    while need(2):
        opcode, length = buffer[0] & 0x0F, buffer[1] & 0x7F
        offset = 2
        if length == 126:
            if not need(4):
                return
            length, offset = int.from_bytes(buffer[2:4], "big"), 4
        elif length == 127:
            if not need(10):
                return
            length, offset = int.from_bytes(buffer[2:10], "big"), 10
        if not need(offset + length):
            return
        payload = bytes(buffer[offset:offset + length])
        del buffer[:offset + length]
        if opcode == 1:
            on_text(payload.decode(), time.monotonic())
        elif opcode == 9:  # ping → pong (client frames are masked)
            mask = os.urandom(4)
            sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        elif opcode == 8:
            return


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.base_url)
    host, port = url.hostname, url.port or 80

    cookie = login(host, port)
    sock, pending = open_socket(host, port, cookie)
    arrived, sent, lock, stop = {}, {}, threading.Lock(), threading.Event()

    def on_text(text, at):
        event = json.loads(text)
        if event.get("kind") == "new":
            with lock:
                arrived.setdefault(event["reference"], at)

    reader = threading.Thread(target=read_frames, args=(sock, pending, on_text, stop), daemon=True)
    reader.start()
    time.sleep(0.5)

    errors = []

    def submit(index):
        body = json.dumps({"category": "public_order", "commune": "24133", "happeningNow": True,
                           "description": f"Đánh nhau ở khu vực chợ, lần đo {index}"})
        started = time.monotonic()
        try:
            response, data = request(host, port, "POST", "/api/v1/tips", body, {"Content-Type": "application/json"})
        except OSError as error:
            errors.append(str(error))
            return
        if response.status != 201:
            errors.append(f"{response.status}")
            return
        with lock:
            sent[json.loads(data)["tip"]["reference"]] = started

    total = int(args.rate * args.seconds)
    interval = 1.0 / args.rate
    begin = time.monotonic()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for index in range(total):
            delay = begin + index * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(submit, index)
    elapsed = time.monotonic() - begin
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with lock:
            if all(ref in arrived for ref in sent):
                break
        time.sleep(0.05)
    stop.set()
    sock.close()

    with lock:
        latencies = sorted((arrived[ref] - start) * 1000 for ref, start in sent.items() if ref in arrived)
        lost = [ref for ref in sent if ref not in arrived]
    if not latencies:
        sys.exit("no tip reached the desk")

    def pct(p):
        return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]

    print(f"sent {total} urgent tips in {elapsed:.1f} s ({total / elapsed:.1f}/s); accepted {len(sent)}, errors {len(errors)}")
    print(f"reached the desk: {len(latencies)}, lost: {len(lost)}")
    print(f"latency ms: p50 {pct(50):.1f}  p95 {pct(95):.1f}  p99 {pct(99):.1f}  max {latencies[-1]:.1f}  mean {statistics.mean(latencies):.1f}")
    return 1 if lost or errors else 0


if __name__ == "__main__":
    sys.exit(main())
