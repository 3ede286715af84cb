"""fraudscore trainer: simulate or load PaySim data, train, evaluate and export models."""
__version__ = "0.1.0"
