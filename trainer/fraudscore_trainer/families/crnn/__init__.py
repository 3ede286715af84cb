"""crnn: Conv1D + BiLSTM + attention (UPI Sentinel)."""
