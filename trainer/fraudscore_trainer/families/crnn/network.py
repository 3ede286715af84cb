"""The crnn network ("UPI Sentinel") in PyTorch.

Causal Conv1D(64, kernel 2) + ReLU -> dropout -> BiLSTM(64 per direction)
-> additive attention (score_t = v . tanh(W h_t + b), softmax over the real
steps) -> Dense(128) + ReLU -> dropout -> Dense(1) -> logit.
`conv_dropout` is the rate after the convolution (None: the same as
`dropout`, the rate after Dense(128)); the paper variant uses the paper's 0.2.
The parameter names are the tensor names of the model file; the core's
networks/crnn.cpp computes the same function (dropout is training-only).
"""
import torch
from torch import nn
import torch.nn.functional as F

from fraudscore_trainer.families.torch_parts import Head


class AdditiveAttention(nn.Module):
    def __init__(self, dim, attention_dim):
        super().__init__()
        self.proj = nn.Linear(dim, attention_dim)
        self.score = nn.Linear(attention_dim, 1, bias=False)

    def forward(self, h, valid):
        steps = h.shape[1]
        scores = self.score(torch.tanh(self.proj(h))).squeeze(-1)             # [B, T]
        padded = torch.arange(steps, device=h.device)[None, :] < (steps - valid)[:, None]
        scores = scores.masked_fill(padded, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        return torch.bmm(weights.unsqueeze(1), h).squeeze(1), weights


class Crnn(nn.Module):
    def __init__(self, features, conv_filters=64, conv_kernel=2, lstm_hidden=64, attention_dim=64,
                 dense_units=128, dropout=0.3, conv_dropout=None):
        super().__init__()
        self.config = dict(conv_filters=conv_filters, conv_kernel=conv_kernel, lstm_hidden=lstm_hidden,
                           attention_dim=attention_dim, dense_units=dense_units)
        self.conv_kernel = conv_kernel
        self.conv = nn.Conv1d(features, conv_filters, conv_kernel)
        self.dropout = nn.Dropout(dropout if conv_dropout is None else conv_dropout)
        self.lstm = nn.LSTM(conv_filters, lstm_hidden, batch_first=True, bidirectional=True)
        self.attention = AdditiveAttention(2 * lstm_hidden, attention_dim)
        self.head = Head(2 * lstm_hidden, dense_units, dropout)

    def forward(self, x, valid):
        """x: [B, T, F] float32, valid: [B] real steps -> (logits [B], attention [B, T])."""
        z = F.pad(x.transpose(1, 2), (self.conv_kernel - 1, 0))                # causal
        z = self.dropout(F.relu(self.conv(z))).transpose(1, 2)                  # [B, T, C]
        h, _ = self.lstm(z)                                                     # [B, T, 2H]
        context, weights = self.attention(h, valid)
        return self.head(context), weights
