"""Simulators that write data in the shapes the shipped models were trained on."""
