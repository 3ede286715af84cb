"""Writing, signing and stamping model files, and their golden vectors."""
