"""Where the repository is, and where the papers' experiment commands (build-lstm-attn, build-lle-svm)
write unless told: beside the build, never over the shipped models, which `build --description` makes."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAPER_BUILDS = REPO / "build/papers"
