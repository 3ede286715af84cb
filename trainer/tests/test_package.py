"""The trainer installs as a package (trainer/pyproject.toml) into a virtual
environment that sees Debian's python3-* packages, without a package index,
and gives the `fraudscore-train` command."""
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TRAINER = Path(__file__).resolve().parents[1]


class Package(unittest.TestCase):
    def test_venv_install_gives_the_command(self):
        with tempfile.TemporaryDirectory() as tmp:
            venv = Path(tmp) / "venv"
            made = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                                  capture_output=True, text=True)
            self.assertEqual(made.returncode, 0, made.stderr)
            pip = subprocess.run([str(venv / "bin/pip"), "install", "--no-index", "--no-build-isolation", "-e",
                                  str(TRAINER)], capture_output=True, text=True, cwd=tmp)
            self.assertEqual(pip.returncode, 0, pip.stdout[-2000:] + pip.stderr[-2000:])
            command = venv / "bin" / "fraudscore-train"
            run = subprocess.run([str(command), "--help"], capture_output=True, text=True, cwd=tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            for sub in ("describe", "build", "sign"):
                self.assertIn(sub, run.stdout)
            module = subprocess.run([sys.executable, "-m", "fraudscore_trainer", "--help"], capture_output=True,
                                    text=True, cwd=TRAINER)
            self.assertEqual(module.stdout, run.stdout)   # one command line, two ways in


if __name__ == "__main__":
    unittest.main()
