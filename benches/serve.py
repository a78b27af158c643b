#!/usr/bin/env python3
"""The service itself on a large register: resident memory and search latency of `ecaf serve`.

`ecaf bench matching` measures inside one process that also generated the population; this
script measures what a council would run. It starts `ecaf serve` on a SQLite data directory
(made with `ecaf bench matching --people 1000000 --data-dir DIR`), waits until the matching
index is built, signs in as a throwaway early help user, runs searches through the search page
(POST /people/search, as a practitioner would: a letter added to the surname, the date of birth
as recorded) and prints the process's resident memory (now and at its peak) with the latency.

    python3 benches/serve.py --ecaf target/release/ecaf --data-dir /tmp/reg1m --searches 500

The same searches then go through the API (GET /api/v1/people/search) with a personal API token
made on the account page.
On PostgreSQL give --database-url and --index-snapshot-dir (a directory of its own for that
database: the first start writes the snapshot, so run twice and take the second start's ready
time); the register is read with psql.

Only the Python standard library (and psql for PostgreSQL) is used. The user it creates stays
in the database.
"""
import argparse
import http.cookiejar
import random
import re
import secrets
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ecaf", default="target/release/ecaf")
    p.add_argument("--data-dir")
    p.add_argument("--database-url")
    p.add_argument("--index-snapshot-dir")
    p.add_argument("--searches", type=int, default=500)
    p.add_argument("--port", type=int, default=18777)
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    if bool(args.data_dir) == bool(args.database_url):
        sys.exit("give --data-dir (SQLite) or --database-url (PostgreSQL)")
    where = (["--database-url", args.database_url] if args.database_url
             else ["--data-dir", args.data_dir])
    if args.index_snapshot_dir:
        where += ["--index-snapshot-dir", args.index_snapshot_dir]

    email = f"bench-{secrets.token_hex(4)}@example.org"
    password = secrets.token_urlsafe(18)
    subprocess.run(
        [args.ecaf, "user", "create", *where, "--email", email,
         "--name", "Benchmark", "--agency", "Early Help", "--role", "early_help_team"],
        input=password.encode(), check=True, capture_output=True)

    people = []
    if args.database_url:
        def psql(sql):
            out = subprocess.run(["psql", "-X", "-At", "-F", "\t", args.database_url, "-c", sql],
                                 check=True, capture_output=True, text=True).stdout
            return [line.split("\t") for line in out.splitlines() if line]
        count = int(psql("SELECT COUNT(*) FROM people")[0][0])
        # Rows sampled evenly by id, as on SQLite below (setseed makes the sample repeatable).
        people = [tuple(r) for r in psql(
            f"SELECT setseed({(args.seed % 1000) / 1000}); "
            f"SELECT given_name, family_name, date_of_birth FROM people "
            f"WHERE date_of_birth IS NOT NULL ORDER BY random() LIMIT {args.searches}")
            if len(r) == 3]
    else:
        db = sqlite3.connect(f"file:{args.data_dir}/ecaf.db?mode=ro", uri=True)
        count = db.execute("SELECT COUNT(*) FROM people").fetchone()[0]
        rng = random.Random(args.seed)
        while len(people) < args.searches:
            row = db.execute(
                "SELECT given_name, family_name, date_of_birth FROM people "
                "WHERE id = ? AND date_of_birth IS NOT NULL", (rng.randint(1, count),)).fetchone()
            if row:
                people.append(row)
        db.close()

    base = f"http://127.0.0.1:{args.port}"
    started = time.monotonic()
    server = subprocess.Popen(
        [args.ecaf, "serve", *where, "--listen", f"127.0.0.1:{args.port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        while True:
            try:
                if opener.open(base + "/readyz", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                sys.exit("ecaf serve stopped")
            time.sleep(0.02)
        ready_s = time.monotonic() - started
        rss_ready = status_kb(server.pid, "VmRSS")

        def csrf(path):
            page = opener.open(base + path).read().decode()
            return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

        def post(path, fields):
            data = urllib.parse.urlencode(fields).encode()
            return opener.open(base + path, data=data)

        post("/sign-in", {"csrf_token": csrf("/sign-in"), "email": email, "password": password})
        token = csrf("/people/search")
        times, found = [], 0
        for given, family, dob in people:
            year, month, day = dob.split("-")
            fields = {"csrf_token": token, "given_name": given, "family_name": family + "e",
                      "dob_day": day, "dob_month": month, "dob_year": year}
            t = time.monotonic()
            page = post("/people/search", fields).read().decode()
            times.append((time.monotonic() - t) * 1000)
            found += f"{given} {family}" in page
        times.sort()

        def pct(q, values=times):
            return values[min(len(values) - 1, int(q * len(values)))]

        page = post("/account/api-tokens", {"csrf_token": csrf("/account/api-tokens"),
                                            "name": "serve.py", "lifetime_days": "30"})
        secret = re.search(r'id="new-token">([^<]+)<', page.read().decode()).group(1)
        # An API client sends its token and no session cookie (with the cookie, every request
        # would also look the session up).
        api = urllib.request.build_opener()
        api_times, api_found = [], 0
        for given, family, dob in people:
            query = urllib.parse.urlencode({"given_name": given, "family_name": family + "e",
                                            "date_of_birth": dob, "limit": 10})
            request = urllib.request.Request(base + "/api/v1/people/search?" + query,
                                             headers={"Authorization": f"Bearer {secret}"})
            t = time.monotonic()
            answer = api.open(request).read().decode()
            api_times.append((time.monotonic() - t) * 1000)
            api_found += f'"given_name":"{given}","family_name":"{family}"' in answer
        api_times.sort()
        # The floor: the same client and server with no database work (machine noise).
        floor = []
        for _ in people:
            t = time.monotonic()
            api.open(base + "/healthz").read()
            floor.append((time.monotonic() - t) * 1000)
        floor.sort()

        print(f"{count} people; ready (index built) after {ready_s:.1f} s")
        print(f"RSS when ready {rss_ready / 1024:.0f} MB; after {len(times)} searches "
              f"{status_kb(server.pid, 'VmRSS') / 1024:.0f} MB; "
              f"peak {status_kb(server.pid, 'VmHWM') / 1024:.0f} MB")
        print(f"search page latency p50 {pct(0.5):.2f} ms, p95 {pct(0.95):.2f} ms, "
              f"p99 {pct(0.99):.2f} ms; person shown in {found} of {len(times)}")
        print(f"API search latency p50 {pct(0.5, api_times):.2f} ms, "
              f"p95 {pct(0.95, api_times):.2f} ms, p99 {pct(0.99, api_times):.2f} ms; "
              f"person among the candidates in {api_found} of {len(api_times)}")
        print(f"GET /healthz (no database work: the floor) p50 {pct(0.5, floor):.2f} ms, "
              f"p95 {pct(0.95, floor):.2f} ms, p99 {pct(0.99, floor):.2f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
