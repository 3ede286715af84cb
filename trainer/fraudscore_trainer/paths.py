"""Where the repository is: the trainer's defaults write the shipped models, golden vectors and
examples into it."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
