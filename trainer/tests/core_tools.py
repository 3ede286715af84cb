"""Where the trainer's end-to-end tests find the C++ tools: the environment
(ctest sets it) or the first build folder that has them."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def core_tool(env_name, relative):
    """The path of a built tool (e.g. "cli/fraudscore"), or None if there is none."""
    if os.environ.get(env_name):
        return os.environ[env_name]
    found = sorted(REPO.glob(f"build/*/{relative}"))
    return str(found[0]) if found else None
