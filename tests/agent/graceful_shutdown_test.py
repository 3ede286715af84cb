"""SIGTERM stops fraudscore-agent cleanly.

  * with requests in flight: the agent exits 0 within a few seconds, every
    request answered 200 is in the audit log afterwards, the log shows
    "stopping" (SIGTERM) then "stopped", and the WAL was checkpointed;
  * a clean restart keeps the windows: k scores for an account, SIGTERM,
    restart, and the next score has valid_steps == k + 1 (capped at the
    window length).

Standard library only; shares the agent/client harness of kill9_test.py. Run from tests/agent:
  FRAUDSCORE_AGENT=... FRAUDSCORE_REPO=... python3 -m unittest -v graceful_shutdown_test
"""

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

import kill9_test as harness  # a module, not its TestCase: importing the class would run it here too

CRNN, SME = harness.CRNN, harness.SME
EXIT_LIMIT_S = 10.0  # "a few seconds", generous for a loaded 2-core machine


class GracefulShutdownTest(unittest.TestCase):
    def setUp(self):
        self.binary = harness.env_path("FRAUDSCORE_AGENT")
        self.repo = harness.env_path("FRAUDSCORE_REPO")
        self.model_dir = os.path.join(self.repo, "models")
        self.tmp = tempfile.mkdtemp(prefix="fraudscore-sigterm-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.db = os.path.join(self.tmp, "state.db")
        self.log_path = os.path.join(self.tmp, "agent.log")

    def start_agent(self, wait=True):
        agent = harness.Agent(self.binary, self.model_dir, self.db, self.log_path)
        self.addCleanup(agent.cleanup)
        if wait:
            agent.wait_listening()
            # Serving for real before any signal (see test_sigterm_during_startup).
            status, body = agent.request("GET", "/healthz")
            self.assertEqual(status, 200, body)
        return agent

    def model_info(self, agent):
        status, models = agent.request("GET", "/v1/models")
        self.assertEqual(status, 200, models)
        return {m["name"]: m for m in models["models"]}

    def sigterm_and_wait(self, agent, limit=EXIT_LIMIT_S):
        """SIGTERM; returns seconds to exit. Fails (and SIGKILLs) if the agent outlives `limit` by far."""
        sent = time.monotonic()
        agent.proc.send_signal(signal.SIGTERM)
        try:
            agent.proc.wait(timeout=limit * 3)
        except subprocess.TimeoutExpired:
            agent.kill9()
            self.fail(f"agent still running {limit * 3:.0f}s after SIGTERM; log:\n" + agent.log_text()[-3000:])
        took = time.monotonic() - sent
        self.assertEqual(agent.proc.returncode, 0,
                         f"exit code {agent.proc.returncode} after SIGTERM; log:\n" + agent.log_text()[-3000:])
        self.assertLess(took, limit, f"agent took {took:.1f}s to exit after SIGTERM")
        return took

    def assert_stop_events(self, agent):
        events = [e.get("event") for e in agent.events()]
        self.assertIn("stopping", events, f"no 'stopping' event in the log: {events}")
        self.assertIn("stopped", events, f"no 'stopped' event in the log: {events}")
        self.assertLess(events.index("stopping"), events.index("stopped"), f"events out of order: {events}")
        self.assertEqual(events[-1], "stopped", f"events after 'stopped': {events}")
        stopping = next(e for e in agent.events() if e.get("event") == "stopping")
        self.assertEqual(stopping.get("signal"), "SIGTERM", stopping)
        errors = [e for e in agent.events() if e.get("level") == "error"]
        self.assertFalse(errors, f"error events in the log: {errors[:3]}")

    def test_sigterm_with_requests_in_flight(self):
        t0 = time.monotonic()
        agent = self.start_agent()
        info = self.model_info(agent)
        sme_key = info[SME]["key_column"]
        templates = harness.sme_templates(self.repo, info[SME]["columns"])

        crnn_txn = harness.crnn_transaction
        sme_txn = harness.sme_transaction_maker(templates, sme_key)

        stop = threading.Event()
        clients = [harness.Client(i, agent.port, CRNN, ["CGST%02dA%05d" % (i, j) for j in range(16)], crnn_txn, stop)
                   for i in range(6)]
        clients += [harness.Client(6 + i, agent.port, SME, ["EGST%02dE%05d" % (i, j) for j in range(6)], sme_txn, stop)
                    for i in range(2)]
        for c in clients:
            c.start()
        time.sleep(1.5)
        deadline = time.monotonic() + 20
        while sum(len(c.acked) for c in clients) < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        acked_before = sum(len(c.acked) for c in clients)  # a lower bound: clients keep going
        took = self.sigterm_and_wait(agent)
        stop.set()
        for c in clients:
            c.join(timeout=harness.REQUEST_TIMEOUT_S + 5)
            self.assertFalse(c.is_alive(), f"{c.name} did not stop")
        unexpected = [u for c in clients for u in c.unexpected]
        self.assertFalse(unexpected, f"non-200 answers (a 503 means a score was refused while stopping): "
                                     f"{unexpected[:5]}")
        acked = [a for c in clients for a in c.acked]
        self.assertGreaterEqual(len(acked), 20, "too few acknowledged scores to test anything")
        self.assertTrue(any(a[0] == SME for a in acked), f"no acknowledged {SME} score")

        key = harness.load_hash_key(self.db + ".key")
        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            rows = db.execute("SELECT model, key_hash, probability FROM audit_log WHERE event = 'score'").fetchall()
        finally:
            db.close()
        audit = {}
        for model, kh, p in rows:
            audit.setdefault((model, kh), []).append(p)
        missing = []
        for model, account, p, _ in acked:
            have = audit.get((model, harness.key_hash(key, account)), [])
            hit = next((i for i, q in enumerate(have) if abs(p - q) <= 1e-12), None)
            if hit is None:
                missing.append((model, account, p))
            else:
                del have[hit]  # each audit row answers one acknowledged score
        self.assertFalse(missing, f"{len(missing)} of {len(acked)} acknowledged scores are not in audit_log "
                                  f"after SIGTERM: {missing[:5]}")
        self.assert_stop_events(agent)
        wal = self.db + "-wal"
        self.assertTrue(not os.path.exists(wal) or os.path.getsize(wal) == 0,
                        f"the WAL holds {os.path.getsize(wal) if os.path.exists(wal) else 0} bytes after a clean stop: "
                        "no final checkpoint")
        sys.stderr.write(f"\n  sigterm: {len(acked)} acknowledged ({len(acked) - acked_before} of them answered after "
                         f"the signal was sent), {len(rows)} audited, exit 0 after {took:.2f}s, "
                         f"{time.monotonic() - t0:.1f}s\n")

    def test_clean_restart_keeps_windows(self):
        agent = self.start_agent()
        info = self.model_info(agent)
        L = {CRNN: int(info[CRNN]["window_length"]), SME: int(info[SME]["window_length"])}
        sme_key = info[SME]["key_column"]
        templates = harness.sme_templates(self.repo, info[SME]["columns"])
        rng = random.Random(3)

        def txn(model, account, n):
            if model == CRNN:
                return {"step": n, "type": rng.choice(harness.TYPES), "amount": round(rng.uniform(1, 9000), 2),
                        "oldbalanceOrg": round(rng.uniform(0, 90000), 2), "nameOrig": account,
                        "nameDest": "M%09d" % rng.randrange(10 ** 9)}
            t = dict(rng.choice(templates))
            t[sme_key] = account
            t["day"] = 50.0 + n * 0.5
            return t

        def score(a, model, account, n):
            status, body = a.request("POST", "/v1/score", {"model": model, "transaction": txn(model, account, n)})
            self.assertEqual(status, 200, body)
            return body["result"]["valid_steps"]

        # (model, account, k): short windows, and one longer than the window (kept capped).
        plan = [(CRNN, "CRST00000001", 4), (CRNN, "CRST00000002", 1), (CRNN, "CRST00000003", L[CRNN] + 3),
                (SME, "ERST00000001", 5), (SME, "ERST00000002", L[SME] + 2)]
        for model, account, k in plan:
            for n in range(1, k + 1):
                self.assertEqual(score(agent, model, account, n), min(n, L[model]),
                                 f"{model} {account}: valid_steps before the restart")
        self.sigterm_and_wait(agent)
        self.assert_stop_events(agent)

        agent2 = self.start_agent()
        for model, account, k in plan:
            got = score(agent2, model, account, k + 1)
            self.assertEqual(got, min(k + 1, L[model]),
                             f"{model} {account}: {k} rows scored before a clean restart, "
                             f"the next score has valid_steps={got}")
        self.assertEqual(score(agent2, CRNN, "CRST00000099", 1), 1, "a new account must start an empty window")
        self.sigterm_and_wait(agent2)

    def test_sigterm_during_startup(self):
        # A SIGTERM that arrives before the HTTP server runs must still stop the agent.
        agent = self.start_agent(wait=False)
        deadline = time.monotonic() + harness.STARTUP_TIMEOUT_S
        # The first model is loaded after the agent blocked SIGTERM for its signal thread.
        while not any(e.get("event") == "model_loaded" for e in agent.events()):
            self.assertIsNone(agent.proc.poll(), "agent exited during startup:\n" + agent.log_text()[-3000:])
            self.assertLess(time.monotonic(), deadline, "no model_loaded event")
            time.sleep(0.01)
        self.sigterm_and_wait(agent)
        self.assert_stop_events(agent)


if __name__ == "__main__":
    unittest.main()
