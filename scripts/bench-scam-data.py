#!/usr/bin/env python3
"""Writes the scam-registry benchmark's data: a CSV of N indicators for `binhyen scam-import`
(every kind, 10% verified with a warning) and a file of lookup queries, one URL-encoded query a
line, as citizens type them (other spellings of imported indicators, and 20% that are not in the
registry). Deterministic: the same seed gives the same files.

    scripts/bench-scam-data.py --count 1000000 --csv OUT.csv --queries OUT.txt [--seed 7]
"""
import argparse
import random
import urllib.parse

BANKS = ["VCB", "BIDV", "ICB", "VBA", "TCB", "MB", "ACB", "VPB", "STB", "TPB"]
WORDS = ["khuyen-mai", "qua-tang", "dau-tu", "vay-nhanh", "tri-an", "viec-lam", "nhan-thuong", "sieu-loi", "hoan-tien", "ho-tro"]
TLDS = ["com", "vn", "com.vn", "net", "xyz", "top"]
WARNING = "Đã xác minh là lừa đảo: không chuyển tiền, không cung cấp mã OTP hay thông tin cá nhân."


def phone(i):
    # 09x, 03x, 07x, 08x mobiles; distinct per i.
    prefix = ["09", "03", "07", "08"][i % 4]
    return prefix + "%08d" % (i // 4 % 100_000_000)


def spell_phone(number, rng):
    digits = number[1:]
    return rng.choice([
        number,
        "+84" + digits,
        "84 " + digits[:2] + " " + digits[2:5] + " " + digits[5:],
        number[:4] + "." + number[4:7] + "." + number[7:],
        number[:4] + " " + number[4:7] + " " + number[7:],
    ])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--query-count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    samples = []
    with open(args.csv, "w", encoding="utf-8") as out:
        out.write("kind,value,bank,status,reports,warning\n")
        for i in range(args.count):
            kind = i % 20
            verified = i % 10 == 0
            status = "verified" if verified else "reported"
            warning = f"\"{WARNING}\"" if verified else ""
            reports = 1 + i % 7
            if kind < 10:
                value = phone(i)
                out.write(f"phone,{value},,{status},{reports},{warning}\n")
                query = spell_phone(value, rng)
            elif kind < 16:
                account = "%012d" % (i * 7919 % 10**12)
                bank = BANKS[i % len(BANKS)]
                out.write(f"bank_account,{account[:4]} {account[4:8]} {account[8:]},{bank},{status},{reports},{warning}\n")
                query = f"{bank} {account}"
            elif kind < 18:
                host = f"{WORDS[i % len(WORDS)]}-{i}.{TLDS[i % len(TLDS)]}"
                out.write(f"website,https://www.{host}/dang-ky?utm_source=zalo,,{status},{reports},{warning}\n")
                query = rng.choice([f"https://{host}/dang-ky", f"www.{host}", f"{host}/trang-khac"])
            elif kind < 19:
                handle = f"{WORDS[i % len(WORDS)].replace('-', '.')}.{i}"
                out.write(f"social,https://www.facebook.com/{handle},,{status},{reports},{warning}\n")
                query = f"facebook.com/{handle}"
            else:
                mail = f"hotro.{i}@{WORDS[i % len(WORDS)]}.com"
                out.write(f"email,{mail},,{status},{reports},{warning}\n")
                query = mail.upper()
            if len(samples) < args.query_count * 4 and rng.random() < 0.05:
                samples.append(query)
    rng.shuffle(samples)
    found = samples[: int(args.query_count * 0.8)]
    missing = [spell_phone("09" + "%08d" % rng.randrange(50_000_000, 99_999_999), rng) for _ in range(args.query_count - len(found))]
    queries = found + missing
    rng.shuffle(queries)
    with open(args.queries, "w", encoding="utf-8") as out:
        for query in queries:
            out.write(urllib.parse.quote(query, safe="") + "\n")


if __name__ == "__main__":
    main()
