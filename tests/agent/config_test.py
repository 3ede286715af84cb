"""The operator's files and the process as a whole: agent/deploy/agent.toml
is a working configuration (flags override it), a misspelt key is refused,
the JSON-lines mode of the real binary answers in order, and the running
agent has no socket but on loopback (it listens there and connects nowhere)."""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import unittest

AGENT = os.environ.get("FRAUDSCORE_AGENT", "")
REPO = os.environ.get("FRAUDSCORE_REPO", "")


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix-domain socket file."""

    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def run_agent(args, lines, timeout=120):
    return subprocess.run([AGENT] + args, input="".join(json.dumps(l) + "\n" for l in lines), capture_output=True,
                          text=True, timeout=timeout)


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.isfile(AGENT), "set FRAUDSCORE_AGENT to the agent binary")
        self.assertTrue(os.path.isdir(os.path.join(REPO, "models")), "set FRAUDSCORE_REPO to the repository")
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def paths(self):
        return ["--model-dir", os.path.join(REPO, "models"), "--state-db", os.path.join(self.tmp.name, "s.db"),
                "--hash-key-file", os.path.join(self.tmp.name, "k")]

    def test_the_example_config_works_with_flags_overriding_its_paths(self):
        config = os.path.join(REPO, "agent", "deploy", "agent.toml")
        txn = {"step": 1, "type": "PAYMENT", "amount": 120.5, "nameOrig": "C1", "oldbalanceOrg": 900.0,
               "nameDest": "M7"}
        done = run_agent(["--config", config, "--stdio"] + self.paths(),
                         [{"id": 1, "op": "health"}, {"id": 2, "op": "score", "transaction": txn}])
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        answers = [json.loads(l) for l in done.stdout.splitlines()]
        self.assertEqual([a["id"] for a in answers], [1, 2])
        self.assertEqual(answers[0]["body"]["default"], "crnn-on-device")
        self.assertEqual(answers[1]["status"], 200, answers[1])
        self.assertIn(answers[1]["body"]["result"]["decision"], ("approve", "step_up", "block"))
        self.assertEqual(oct(os.stat(os.path.join(self.tmp.name, "s.db")).st_mode & 0o777), "0o600")
        self.assertEqual(oct(os.stat(os.path.join(self.tmp.name, "k")).st_mode & 0o777), "0o600")
        self.assertNotIn("C1\"", done.stderr)  # logs carry no raw account id

    def test_every_option_is_in_the_example_config_and_the_operators_guide(self):
        """agent/deploy/agent.toml and agent/README.md keep up with --help."""
        helptext = subprocess.run([AGENT, "--help"], capture_output=True, text=True, timeout=60).stdout
        options = set(re.findall(r"^\s+--([a-z0-9-]+)", helptext, re.M)) - {"help"}
        self.assertIn("auth-token-file", options)
        with open(os.path.join(REPO, "agent", "deploy", "agent.toml")) as f:
            toml = f.read()
        with open(os.path.join(REPO, "agent", "README.md")) as f:
            guide = f.read()
        in_toml = set(re.findall(r"^#?\s*([a-z0-9-]+)\s*=", toml, re.M))
        self.assertEqual(sorted(options - in_toml - {"config", "stdio"}), [], "options missing from agent.toml")
        self.assertEqual(sorted(o for o in options if "`%s`" % o not in guide), [], "options missing from README.md")

    def test_a_misspelt_config_key_is_refused(self):
        bad = os.path.join(self.tmp.name, "bad.toml")
        with open(bad, "w") as f:
            f.write('prot = 8787\n')
        done = run_agent(["--config", bad, "--stdio"] + self.paths(), [{"op": "health"}])
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("prot", done.stderr + done.stdout)

    def bad_model_dir(self, good):
        """A model directory with a truncated crnn-on-device file and copies of the `good` models."""
        models = os.path.join(self.tmp.name, "models")
        os.mkdir(models)
        for name in good:
            shutil.copy(os.path.join(REPO, "models", name + ".fsmodel"), models)
        with open(os.path.join(REPO, "models", "crnn-on-device.fsmodel"), "rb") as f:
            data = f.read()
        with open(os.path.join(models, "crnn-on-device.fsmodel"), "wb") as f:
            f.write(data[:len(data) // 2])
        return models

    def test_a_bad_model_file_at_start_is_logged_and_refused_and_the_rest_is_served(self):
        models = self.bad_model_dir(["lstm_attn-sme"])
        paths = self.paths()
        paths[1] = models
        done = run_agent(["--stdio"] + paths, [{"id": 1, "op": "health"}, {"id": 2, "op": "models"}])
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        health, listing = [json.loads(l) for l in done.stdout.splitlines()]
        self.assertEqual(health["status"], 200, health)
        self.assertEqual(health["body"]["default"], "lstm_attn-sme")
        self.assertIn("crnn-on-device", health["body"]["rejected"])
        self.assertEqual([m["name"] for m in listing["body"]["models"]], ["lstm_attn-sme"])
        events = [json.loads(l) for l in done.stderr.splitlines() if l.startswith("{")]
        self.assertIn("model_rejected", [e["event"] for e in events])

    def test_only_bad_model_files_do_not_stop_the_agent(self):
        """No crash loop: the agent starts, says it has no model, and would pick up a good file."""
        paths = self.paths()
        paths[1] = self.bad_model_dir([])
        done = run_agent(["--stdio"] + paths, [{"id": 1, "op": "health"}])
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        health = json.loads(done.stdout.splitlines()[0])
        self.assertEqual(health["status"], 503, health)
        self.assertIn("crnn-on-device", health["body"]["rejected"])

    def test_a_token_file_others_may_read_stops_the_agent(self):
        token = os.path.join(self.tmp.name, "token")
        with open(token, "w") as f:
            f.write("0123456789abcdef0123456789abcdef\n")
        os.chmod(token, 0o644)
        done = run_agent(["--port", "0", "--auth-token-file", token] + self.paths(), [])
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("chmod 600", done.stderr)

    def test_the_unix_socket_serves_with_tcp_off(self):
        sock_path = os.path.join(self.tmp.name, "agent.sock")
        proc = subprocess.Popen([AGENT, "--tcp", "false", "--unix-socket", sock_path] + self.paths(),
                                stderr=subprocess.PIPE, text=True)
        try:
            for line in proc.stderr:
                event = json.loads(line)
                if event.get("event") in ("listening", "startup_failed"):
                    break
            self.assertEqual(event.get("socket"), sock_path, event)
            self.assertEqual(oct(os.stat(sock_path).st_mode & 0o777), "0o660")
            conn = UnixHTTPConnection(sock_path)
            txn = {"step": 1, "type": "PAYMENT", "amount": 12.5, "nameOrig": "C1", "oldbalanceOrg": 90.0,
                   "nameDest": "M7"}
            conn.request("POST", "/v1/score", json.dumps({"transaction": txn}), {"Content-Type": "application/json"})
            response = conn.getresponse()
            self.assertEqual(response.status, 200, response.read())
            response.read()
            conn.close()
            self.assertEqual(inet_sockets(socket_inodes(proc.pid)), [], "TCP is off: no TCP socket")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            proc.stderr.close()
        self.assertFalse(os.path.exists(sock_path), "the socket file is removed on exit")

    def test_a_non_loopback_address_is_refused(self):
        done = run_agent(["--listen", "0.0.0.0", "--port", "0"] + self.paths(), [])
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("loopback", done.stderr)




def socket_inodes(pid):
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def inet_sockets(inodes):
    """(local, remote) hex addresses of the TCP/UDP sockets with these inodes."""
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        with open("/proc/net/" + table) as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[9] in inodes:
                    found.append((table, fields[1], fields[2]))
    return found


def is_loopback(hex_address, unconnected_ok=False):
    """Whether a /proc/net address is loopback (or, for a remote end, unconnected if allowed)."""
    address = hex_address.split(":")[0]
    if unconnected_ok and address.strip("0") == "":
        return True
    if len(address) == 8:  # IPv4, little-endian: 127.x.x.x ends in 7F
        return address.endswith("7F")
    return address in ("00000000000000000000000001000000", "0000000000000000FFFF00000100007F")


class NoOutboundTest(unittest.TestCase):
    def test_the_agent_listens_on_loopback_and_connects_nowhere(self):
        self.assertTrue(os.path.isfile(AGENT), "set FRAUDSCORE_AGENT to the agent binary")
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.Popen([AGENT, "--model-dir", os.path.join(REPO, "models"), "--state-db",
                                     os.path.join(tmp, "s.db"), "--port", "0"], stderr=subprocess.PIPE, text=True)
            try:
                port = None
                for line in proc.stderr:
                    event = json.loads(line)
                    if event.get("event") == "listening":
                        port = event["port"]
                        break
                self.assertIsNotNone(port, "the agent did not start")
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                for step in range(5):
                    conn.request("POST", "/v1/score", json.dumps({"transaction": {
                        "step": step, "type": "PAYMENT", "amount": 10.0 + step, "nameOrig": "C9",
                        "oldbalanceOrg": 100.0, "nameDest": "M1"}}))
                    response = conn.getresponse()
                    response.read()
                    self.assertEqual(response.status, 200)
                sockets = inet_sockets(socket_inodes(proc.pid))
                conn.close()
                self.assertTrue(sockets, "no sockets found for the agent")
                for table, local, remote in sockets:
                    self.assertTrue(is_loopback(local), "%s socket on a non-loopback address %s" % (table, local))
                    self.assertTrue(is_loopback(remote, unconnected_ok=True), "%s socket connected to %s" % (table, remote))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
                proc.stderr.close()


if __name__ == "__main__":
    unittest.main()
