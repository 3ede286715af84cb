"""The lstm_attn network in PyTorch (schemas/README.md, "lstm_attn").

BiLSTM over the enterprise's last T payments -> multi-head self-attention
(padded steps masked as keys) -> [the latest step's output, the mean over the
real steps] -> two heads: the latest payment's anomaly logit and the
enterprise's risk logit. Parameter names are the model file's tensor names;
the core's networks/lstm_attn.cpp computes the same function.
"""
import torch
from torch import nn

from fraudscore_trainer.families.torch_parts import Head


class LstmAttn(nn.Module):
    def __init__(self, features, lstm_hidden=32, heads=4, dense_units=64, dropout=0.2):
        super().__init__()
        self.config = dict(lstm_hidden=lstm_hidden, heads=heads, dense_units=dense_units)
        width = 2 * lstm_hidden
        self.lstm = nn.LSTM(features, lstm_hidden, batch_first=True, bidirectional=True)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.anomaly_head = Head(2 * width, dense_units, dropout)
        self.risk_head = Head(2 * width, dense_units, dropout)

    def forward(self, x, valid):
        """x [B, T, F], valid [B] -> (anomaly logits [B], risk logits [B], attention [B, T])."""
        steps = x.shape[1]
        h, _ = self.lstm(x)
        padded = torch.arange(steps, device=x.device)[None, :] < (steps - valid)[:, None]
        a, w = self.attention(h, h, h, key_padding_mask=padded, need_weights=True)  # weights averaged over heads
        real = (~padded).unsqueeze(-1).to(a.dtype)
        pooled = (a * real).sum(dim=1) / valid[:, None].to(a.dtype)
        z = torch.cat([a[:, -1], pooled], dim=1)
        return self.anomaly_head(z), self.risk_head(z), w[:, -1]
