"""The operator's files: agent/deploy/agent.toml is a working configuration
(flags override it), a misspelt key is refused, and the JSON-lines mode of
the real binary answers in order."""
import json
import os
import subprocess
import tempfile
import unittest

AGENT = os.environ.get("FRAUDSCORE_AGENT", "")
REPO = os.environ.get("FRAUDSCORE_REPO", "")


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

    def test_a_misspelt_config_key_is_refused(self):
        bad = os.path.join(self.tmp.name, "bad.toml")
        with open(bad, "w") as f:
            f.write('prot = 8787\n')
        done = run_agent(["--config", bad, "--stdio"] + self.paths(), [{"op": "health"}])
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("prot", done.stderr + done.stdout)

    def test_a_non_loopback_address_is_refused(self):
        done = run_agent(["--listen", "0.0.0.0", "--port", "0"] + self.paths(), [])
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("loopback", done.stderr)


if __name__ == "__main__":
    unittest.main()
