"""kill -9 during sustained load loses no acknowledged decision.

Runs fraudscore-agent (env FRAUDSCORE_AGENT) on a fresh state database, drives
it with concurrent clients scoring crnn-on-device and lstm_attn-sme, SIGKILLs it
mid-load, then checks from the SQLite file itself and from a restarted agent
that everything that was acknowledged (HTTP 200) survived:

  * audit_log holds a 'score' row for every acknowledged response, with the
    same model, key hash (recomputed from the agent's hash key) and
    probability (within 1e-12);
  * windows survived: the next score of an account after the restart has
    valid_steps == min(stored rows + 1, window_length) and
    >= min(acknowledged + 1, window_length); window_rows never holds more than
    window_length rows of a key;
  * no raw account id is in the database files or the agent's log.

Standard library only. Run from tests/agent:
  FRAUDSCORE_AGENT=... FRAUDSCORE_REPO=... python3 -m unittest -v kill9_test
"""

import csv
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

STARTUP_TIMEOUT_S = 60.0  # a loaded 2-core box can be slow to load four models
REQUEST_TIMEOUT_S = 30.0
LOAD_SECONDS = 3.0
MIN_ACKS = 40  # fewer acknowledged scores than this and the test proves little
CRNN, SME = "crnn-on-device", "lstm_attn-sme"
CRNN_THREADS, SME_THREADS = 6, 2
TYPES = ["CASH_IN", "CASH_OUT", "TRANSFER", "PAYMENT", "DEBIT"]


def env_path(name):
    value = os.environ.get(name)
    if not value:
        raise AssertionError(f"set {name} (FRAUDSCORE_AGENT: the agent binary, FRAUDSCORE_REPO: the repo root)")
    path = os.path.abspath(value)
    if not os.path.exists(path):
        raise AssertionError(f"{name}={value}: no such file or directory")
    return path



def crnn_transaction(account, n, rng):
    """The n-th crnn-on-device transaction of `account`."""
    return {"step": n, "type": rng.choice(TYPES), "amount": round(rng.uniform(1, 200000), 2),
            "oldbalanceOrg": round(rng.uniform(0, 500000), 2), "nameOrig": account,
            "nameDest": "M%09d" % rng.randrange(10 ** 9)}


def sme_transaction_maker(templates, sme_key):
    """A function giving the n-th lstm_attn-sme payment of an enterprise, from example templates."""
    def sme_txn(account, n, rng):
        txn = dict(rng.choice(templates))
        txn[sme_key] = account
        txn["day"] = 100.0 + n * 0.25
        return txn
    return sme_txn

class Agent:
    """One agent process; stderr goes to a file that is polled for JSON log events."""

    def __init__(self, binary, model_dir, state_db, log_path, extra=()):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.start_offset = self.log.tell()
        self.proc = subprocess.Popen(
            [binary, "--model-dir", model_dir, "--state-db", state_db, "--port", "0",
             "--default-model", CRNN, "--rate-limit-per-minute", "0", *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = None

    def events(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.start_offset)
            text = f.read().decode("utf-8", "replace")
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass  # a partial last line, or something that is not ours
        return out

    def log_text(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.start_offset)
            return f.read().decode("utf-8", "replace")

    def wait_listening(self, timeout=STARTUP_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events():
                if e.get("event") == "listening":
                    if e.get("pid") != self.proc.pid:
                        raise AssertionError(f"'listening' names pid {e.get('pid')}, the agent is {self.proc.pid}")
                    self.port = int(e["port"])
                    return self.port
            if self.proc.poll() is not None:
                raise AssertionError(f"agent exited with {self.proc.returncode} before listening; log:\n"
                                     + self.log_text()[-4000:])
            time.sleep(0.05)
        raise AssertionError(f"no 'listening' event within {timeout}s; log:\n" + self.log_text()[-4000:])

    def request(self, method, path, body=None, timeout=REQUEST_TIMEOUT_S):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            return r.status, json.loads(r.read().decode())
        finally:
            conn.close()

    def kill9(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self, timeout=30):
        """SIGTERM and wait; SIGKILL if it does not go. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                raise AssertionError(f"agent ignored SIGTERM for {timeout}s; log:\n" + self.log_text()[-4000:])
        self.log.close()
        return self.proc.returncode

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.log.close()


def key_hash(key, account):
    """The agent's keyed hash: BLAKE2b-128 keyed with the 32-byte secret (libsodium crypto_generichash)."""
    return hashlib.blake2b(account.encode(), digest_size=16, key=key).hexdigest()


def load_hash_key(path):
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) == 32:
        return raw
    return bytes.fromhex(raw.decode().strip())


def sme_templates(repo, columns):
    """Rows of examples/sme_payments.csv reduced to the model's columns, typed as the API wants."""
    with open(os.path.join(repo, "examples", "sme_payments.csv"), newline="") as f:
        rows = list(csv.DictReader(f))[:200]
    out = []
    for r in rows:
        txn = {}
        for c in columns:
            name, kind = c["name"], c["type"]
            if kind in ("numeric", "time"):
                txn[name] = float(r[name])
            else:
                txn[name] = r[name]
        out.append(txn)
    return out


class Client(threading.Thread):
    """Scores transactions of its own accounts (so each account's times increase) until stopped."""

    def __init__(self, index, port, model, accounts, make_txn, stop):
        super().__init__(name=f"client-{index}", daemon=True)
        self.port, self.model, self.accounts, self.make_txn, self.stop = port, model, accounts, make_txn, stop
        self.rng = random.Random(1000 + index)
        self.counter = {a: 0 for a in accounts}
        self.acked = []  # (model, account, probability, valid_steps)
        self.sent = 0
        self.errors = 0  # connection errors: unacknowledged, expected once the agent is killed
        self.unexpected = []  # non-200 answers: a test or agent bug

    def run(self):
        conn = None
        hot = self.accounts[:2]  # a few accounts get enough rows to fill (and trim) their windows
        while not self.stop.is_set():
            account = self.rng.choice(hot) if self.rng.random() < 0.3 else self.rng.choice(self.accounts)
            self.counter[account] += 1
            body = json.dumps({"model": self.model, "transaction": self.make_txn(account, self.counter[account],
                                                                                  self.rng)}).encode()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
                self.sent += 1
                conn.request("POST", "/v1/score", body=body, headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                payload = r.read()
            except (OSError, http.client.HTTPException):
                self.errors += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.02)
                continue
            if r.status != 200:
                self.unexpected.append((r.status, payload[:300]))
                continue
            result = json.loads(payload)["result"]
            self.acked.append((self.model, account, result["probability"], result["valid_steps"]))
        if conn is not None:
            conn.close()


class Kill9Test(unittest.TestCase):
    def setUp(self):
        self.binary = env_path("FRAUDSCORE_AGENT")
        self.repo = env_path("FRAUDSCORE_REPO")
        self.model_dir = os.path.join(self.repo, "models")
        for m in (CRNN, SME):
            if not os.path.exists(os.path.join(self.model_dir, m + ".fsmodel")):
                self.fail(f"model {m}.fsmodel is missing from {self.model_dir}")
        self.tmp = tempfile.mkdtemp(prefix="fraudscore-kill9-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.db = os.path.join(self.tmp, "state.db")
        self.log_path = os.path.join(self.tmp, "agent.log")

    def start_agent(self):
        agent = Agent(self.binary, self.model_dir, self.db, self.log_path)
        self.addCleanup(agent.cleanup)
        agent.wait_listening()
        return agent

    def db_bytes(self):
        data = b""
        for name in sorted(os.listdir(self.tmp)):
            if name.startswith("state.db") and not name.endswith(".key"):
                with open(os.path.join(self.tmp, name), "rb") as f:
                    data += f.read()
        return data

    def assert_no_raw_ids(self, accounts, where):
        data = self.db_bytes()
        leaked = [a for a in accounts if a.encode() in data]
        self.assertFalse(leaked, f"{where}: raw account ids found in the state database files: {leaked[:5]}")
        with open(self.log_path, "rb") as f:
            log = f.read()
        leaked = [a for a in accounts if a.encode() in log]
        self.assertFalse(leaked, f"{where}: raw account ids found in the agent's log: {leaked[:5]}")

    def test_kill9_under_load_loses_no_acknowledged_score(self):
        t0 = time.monotonic()
        agent = self.start_agent()
        status, models = agent.request("GET", "/v1/models")
        self.assertEqual(status, 200, models)
        info = {m["name"]: m for m in models["models"]}
        self.assertIn(CRNN, info)
        self.assertIn(SME, info)
        self.assertEqual(info[CRNN]["key_column"], "nameOrig")
        window = {CRNN: int(info[CRNN]["window_length"]), SME: int(info[SME]["window_length"])}
        sme_key = info[SME]["key_column"]
        templates = sme_templates(self.repo, info[SME]["columns"])

        # Account ids long and distinctive enough that finding one in a file is no accident.
        crnn_txn = crnn_transaction
        sme_txn = sme_transaction_maker(templates, sme_key)

        stop = threading.Event()
        clients = []
        for i in range(CRNN_THREADS):
            # Enough accounts that some stay below a full window however fast the agent is.
            accounts = ["CK9T%02dA%05d" % (i, j) for j in range(400)]
            clients.append(Client(i, agent.port, CRNN, accounts, crnn_txn, stop))
        for i in range(SME_THREADS):
            accounts = ["EK9T%02dE%05d" % (i, j) for j in range(8)]
            clients.append(Client(CRNN_THREADS + i, agent.port, SME, accounts, sme_txn, stop))
        all_accounts = [a for c in clients for a in c.accounts]
        for c in clients:
            c.start()

        time.sleep(LOAD_SECONDS)
        deadline = time.monotonic() + 20
        while sum(len(c.acked) for c in clients) < MIN_ACKS and time.monotonic() < deadline:
            time.sleep(0.1)
        in_flight_at_kill = sum(c.sent - len(c.acked) - len(c.unexpected) - c.errors for c in clients)
        agent.kill9()  # mid-load: every client is sending
        killed_at = time.monotonic()
        self.assertEqual(agent.proc.returncode, -signal.SIGKILL)
        time.sleep(0.3)
        stop.set()
        for c in clients:
            c.join(timeout=REQUEST_TIMEOUT_S + 5)
            self.assertFalse(c.is_alive(), f"{c.name} did not stop")
        unexpected = [u for c in clients for u in c.unexpected]
        self.assertFalse(unexpected, f"non-200 answers during the load: {unexpected[:5]}")
        acked = [a for c in clients for a in c.acked]
        errors = sum(c.errors for c in clients)
        self.assertGreaterEqual(len(acked), MIN_ACKS, "too few acknowledged scores to test anything")
        self.assertGreater(errors, 0, "no client saw the kill: the agent was not under load when killed")
        by_model = {m: sum(1 for a in acked if a[0] == m) for m in (CRNN, SME)}
        for m, n in by_model.items():
            self.assertGreater(n, 0, f"no acknowledged score for {m}")

        # (a) the audit log, read straight from the file the killed agent left.
        self.assertTrue(os.path.exists(self.db + ".key"), "no hash key file next to the state db")
        key = load_hash_key(self.db + ".key")
        hashes = {a: key_hash(key, a) for a in all_accounts}
        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            audit = db.execute("SELECT model, key_hash, probability FROM audit_log WHERE event = 'score'").fetchall()
            window_counts = db.execute(
                "SELECT model, key, COUNT(*) FROM window_rows GROUP BY model, key").fetchall()
        finally:
            db.close()
        self.assertGreaterEqual(len(audit), len(acked),
                                f"audit_log has {len(audit)} score rows, {len(acked)} scores were acknowledged")
        audit_by_key = {}
        for model, kh, p in audit:
            self.assertRegex(kh, r"^[0-9a-f]{32}$", f"audit key_hash {kh!r} is not a 128-bit hex hash")
            audit_by_key.setdefault((model, kh), []).append(p)
        acked_by_key = {}
        for model, account, p, _ in acked:
            acked_by_key.setdefault((model, hashes[account]), []).append((p, account))
        missing = []
        for k, wanted in acked_by_key.items():
            have = sorted(audit_by_key.get(k, []))
            used = [False] * len(have)
            for p, account in wanted:
                # Every acknowledged probability must match its own audit row (a multiset match).
                hit = next((i for i, q in enumerate(have) if not used[i] and abs(p - q) <= 1e-12), None)
                if hit is None:
                    missing.append((k[0], account, p))
                else:
                    used[hit] = True
        self.assertFalse(missing, f"{len(missing)} of {len(acked)} acknowledged scores are not in audit_log "
                                  f"(model, account, probability): {missing[:5]}")
        for (model, kh, n) in window_counts:
            self.assertLessEqual(n, window[model], f"window_rows holds {n} rows for one {model} key")

        # (c) no raw account id in the files or the log (before the restart rewrites anything).
        self.assert_no_raw_ids(all_accounts, "after kill -9")

        # (b) restart on the same database: the windows are back.
        agent2 = self.start_agent()
        acked_count = {}
        for model, account, _, _ in acked:
            acked_count[(model, account)] = acked_count.get((model, account), 0) + 1
        stored = {(m, kh): len(ps) for (m, kh), ps in audit_by_key.items()}
        rng = random.Random(7)
        checked = {CRNN: 0, SME: 0}
        # Every SME account and a sample of crnn accounts: short windows, full ones, and (in the
        # crnn sample) ones the restart must cap at window_length.
        sample = sorted(acked_count)
        crnn_sample = [k for k in sample if k[0] == CRNN]
        rng.shuffle(crnn_sample)
        crnn_sample = sorted(crnn_sample[:60], key=lambda k: acked_count[k])
        full = [k for k in sample if k[0] == CRNN and acked_count[k] >= window[CRNN]]
        to_check = crnn_sample + full[:3] + [k for k in sample if k[0] == SME]
        counters = {a: n for c in clients for a, n in c.counter.items()}
        for model, account in dict.fromkeys(to_check):
            k = acked_count[(model, account)]
            in_store = stored.get((model, hashes[account]), 0)
            make = crnn_txn if model == CRNN else sme_txn
            txn = make(account, counters[account] + 1, rng)
            status, body = agent2.request("POST", "/v1/score", {"model": model, "transaction": txn})
            self.assertEqual(status, 200, body)
            got = body["result"]["valid_steps"]
            L = window[model]
            self.assertGreaterEqual(got, min(k + 1, L),
                                    f"{model} account {account}: {k} scores acknowledged before kill -9, "
                                    f"but the next score after restart has valid_steps={got}")
            self.assertEqual(got, min(in_store + 1, L),
                             f"{model} account {account}: {in_store} rows stored, valid_steps={got} after restart")
            checked[model] += 1
        for m, n in checked.items():
            self.assertGreater(n, 0, f"no {m} window checked after the restart")
        self.assertTrue(any(acked_count[k] < window[CRNN] for k in crnn_sample), "no short crnn window checked")

        rc = agent2.stop()
        self.assertEqual(rc, 0, "the restarted agent did not stop cleanly")
        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            over = db.execute("SELECT model, key, COUNT(*) AS n FROM window_rows GROUP BY model, key "
                              "HAVING n > CASE model WHEN ? THEN ? ELSE ? END",
                              (CRNN, window[CRNN], window[SME])).fetchall()
        finally:
            db.close()
        self.assertFalse(over, f"keys with more rows than their window: {over[:5]}")
        self.assert_no_raw_ids(all_accounts, "after restart")
        short = sum(1 for k in to_check if acked_count[k] < window[k[0]])
        sys.stderr.write(f"\n  kill9: {len(acked)} acknowledged ({by_model[CRNN]} {CRNN}, {by_model[SME]} {SME}), "
              f"{len(audit)} audited, {in_flight_at_kill} in flight at the kill, {errors} connection errors, "
              f"{sum(checked.values())} windows checked after restart ({short} not full), "
              f"{time.monotonic() - t0:.1f}s (killed at +{killed_at - t0:.1f}s)\n")


if __name__ == "__main__":
    unittest.main()
