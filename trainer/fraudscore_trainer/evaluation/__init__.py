"""Metrics, baselines, thresholds and operating points, splits."""
