"""The feature spec (the core's feature pipeline, in Python), windows and resampling."""
