"""The real agent binary, with its default settings, against the hostile clients of issue 13: trickling
clients that held every worker, a gzip body that inflated 1000-fold past max-body-bytes, a 900 KB id,
and a JSON line nested 60,000 deep that overflowed the stack. Each test prints what it measured
(bench/AGENT.md quotes these lines)."""
import http.client
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import zlib

AGENT = os.environ.get("FRAUDSCORE_AGENT", "")
REPO = os.environ.get("FRAUDSCORE_REPO", "")
TXN = {"step": 1, "type": "PAYMENT", "amount": 120.5, "nameOrig": "C1", "oldbalanceOrg": 900.0, "nameDest": "M7"}


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Agent:
    def __init__(self, tmp, extra=()):
        self.proc = subprocess.Popen([AGENT, "--model-dir", os.path.join(REPO, "models"), "--state-db",
                                      os.path.join(tmp, "s.db"), "--port", "0", "--durability", "normal", *extra],
                                     stderr=subprocess.PIPE, text=True)
        self.port = None
        for line in self.proc.stderr:
            event = json.loads(line)
            if event.get("event") == "listening":
                self.port = event["port"]
                break
        # Keep draining the log so the agent never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()

    def score(self, body=None, headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request("POST", "/v1/score", body if body is not None else json.dumps({"transaction": TXN}),
                     headers or {"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


class HostileClientsTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.isfile(AGENT), "set FRAUDSCORE_AGENT to the agent binary")
        self.tmp = tempfile.TemporaryDirectory()
        self.agent = Agent(self.tmp.name)
        self.assertIsNotNone(self.agent.port, "the agent did not start")

    def tearDown(self):
        self.agent.stop()
        self.agent.proc.stderr.close()
        self.tmp.cleanup()

    def test_seventy_trickling_clients_do_not_starve_a_request(self):
        body = json.dumps({"transaction": TXN})
        request = ("POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\n\r\n%s" % (self.agent.port, len(body), body)).encode()
        stop = threading.Event()
        held_ms = []

        def trickle():
            s = socket.create_connection(("127.0.0.1", self.agent.port))
            t0 = time.monotonic()
            try:
                for i in range(len(request)):
                    if stop.is_set():
                        break
                    s.send(request[i:i + 1])
                    time.sleep(0.1)
            except OSError:
                pass  # cut off by the agent
            held_ms.append((time.monotonic() - t0) * 1000)
            s.close()

        threads = [threading.Thread(target=trickle) for _ in range(70)]
        for t in threads:
            t.start()
        time.sleep(0.5)  # every one of the 64 workers now holds a trickling client
        t0 = time.monotonic()
        status, _ = self.agent.score()
        waited = (time.monotonic() - t0) * 1000
        stop.set()
        for t in threads:
            t.join()
        print("\nMEASURED 70 trickling clients vs 64 workers: a normal request answered %d after %.0f ms; "
              "tricklers cut off after %.0f ms median" % (status, waited, sorted(held_ms)[len(held_ms) // 2]))
        self.assertEqual(status, 200)
        self.assertLess(waited, 6000)

    def test_a_gzip_bomb_is_refused_without_inflating(self):
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b" " * (1 << 20)
        parts = [compressor.compress(b'{"transaction": ')]
        parts += [compressor.compress(chunk) for _ in range(400)]
        parts.append(compressor.flush())
        bomb = b"".join(parts)
        before = status_kib(self.agent.proc.pid, "VmHWM")
        s = socket.create_connection(("127.0.0.1", self.agent.port))
        head = ("POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                "Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % (self.agent.port, len(bomb))).encode()
        answer = b""
        try:
            s.sendall(head + bomb)
        except OSError:
            pass  # the agent stopped reading once the inflated body passed the limit
        try:
            s.settimeout(10)
            answer = s.recv(65536)
        except OSError:
            pass
        s.close()
        grown = status_kib(self.agent.proc.pid, "VmHWM") - before
        print("\nMEASURED gzip body of %d KB inflating to 400 MiB: answer %r, agent peak RSS grew %d KiB" %
              (len(bomb) // 1000, answer.split(b"\r\n")[0].decode() or "(connection closed)", grown))
        self.assertTrue(answer == b"" or b" 413 " in answer.split(b"\r\n")[0], answer[:200])
        self.assertLess(grown, 16 * 1024)
        self.assertEqual(self.agent.score()[0], 200)

    def test_a_900_kb_id_is_refused(self):
        txn = dict(TXN, nameOrig="C" * (900 * 1024))
        status, data = self.agent.score(json.dumps({"transaction": txn}))
        print("\nMEASURED 900 KB id: %d %s" % (status, json.loads(data)["error"]))
        self.assertEqual(status, 400)
        self.assertIn("nameOrig", json.loads(data)["error"])


class DeepJsonLineTest(unittest.TestCase):
    def test_a_line_nested_60000_deep_gets_an_error_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            # An object nested this deep overflowed the stack when the line was re-serialised.
            nested = '{"id": 1, "op": "score", "transaction": ' + "[" * 60000 + "]" * 60000 + "}"
            lines = [nested, json.dumps({"id": 2, "op": "score", "transaction": TXN})]
            done = subprocess.run([AGENT, "--stdio", "--model-dir", os.path.join(REPO, "models"), "--state-db",
                                   os.path.join(tmp, "s.db")], input="\n".join(lines) + "\n", capture_output=True,
                                  text=True, timeout=120)
        answers = [json.loads(l) for l in done.stdout.splitlines()]
        print("\nMEASURED stdio line nested 60,000 deep: exit %d, answers %s" %
              (done.returncode, [(a["id"], a["status"]) for a in answers]))
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        self.assertEqual([(a["id"], a["status"]) for a in answers], [(None, 400), (2, 200)])


if __name__ == "__main__":
    unittest.main()
