"""Reports, model cards and plots."""
