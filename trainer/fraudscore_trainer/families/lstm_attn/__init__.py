"""lstm_attn: BiLSTM + multi-head attention (SME payments)."""
