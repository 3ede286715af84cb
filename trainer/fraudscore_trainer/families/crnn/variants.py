"""The two shipped crnn variants' feature specs.

`paper`     — all PaySim columns in one global window, as the UPI Sentinel paper
              used them: type label-encoded, missing -> 0, z-score.
`on-device` — only what a payer's device knows before it submits a payment
              (type, amount, its own balance, the payee's kind, the time and
              its own history), in a window per paying account. No destination
              balances, nothing the ledger computes after the transaction.
"""
from fraudscore_trainer.features.spec import (CATEGORICAL, IDENTIFIER, NUMERIC, OP_CATEGORY_INDEX, OP_DIFFERENCE, OP_MODULO, OP_ONE_HOT,
                       OP_PREFIX_FLAG, OP_RATIO, OP_VALUE, PAYSIM_TYPES, TIME, WINDOW_GLOBAL, WINDOW_PER_KEY, Column,
                       Feature, Spec)

VARIANTS = ("paper", "on-device")
# The UPI Sentinel paper's dropout after the convolution; the rate after Dense(128) stays the trainer's
# default (TrainConfig.dropout). The on-device variant keeps the default after the convolution too.
PAPER_CONV_DROPOUT = 0.2


def _amount(name):
    return Column(name, NUMERIC, min_value=0.0)


def _payment_columns():
    """What every variant reads: the time, the type, the amount and the payer's balance."""
    return [Column("step", TIME, min_value=0.0), Column("type", CATEGORICAL, vocabulary=list(PAYSIM_TYPES)),
            _amount("amount"), _amount("oldbalanceOrg")]


def paper_spec(window=10) -> Spec:
    columns = _payment_columns() + [
        _amount("newbalanceOrig"),
        _amount("oldbalanceDest"),
        _amount("newbalanceDest"),
        Column("isFlaggedFraud", NUMERIC, min_value=0.0),
    ]
    features = [Feature("type", OP_CATEGORY_INDEX, "type")]
    features += [Feature(c.name, OP_VALUE, c.name) for c in columns if c.type != CATEGORICAL]
    return Spec(columns, features, window_length=window, window_mode=WINDOW_GLOBAL, time_column="step")


def on_device_spec(window=10) -> Spec:
    columns = _payment_columns() + [
        Column("nameOrig", IDENTIFIER, missing_allowed=False),
        Column("nameDest", IDENTIFIER, missing_allowed=False),
    ]
    features = [Feature(f"type_{t}", OP_ONE_HOT, "type", parameter=float(i)) for i, t in enumerate(PAYSIM_TYPES)]
    features += [
        Feature("log_amount", OP_VALUE, "amount", log1p=True),
        Feature("log_balance", OP_VALUE, "oldbalanceOrg", log1p=True),
        # The share of the balance this payment moves: an account takeover empties it.
        Feature("amount_to_balance", OP_RATIO, "amount", "oldbalanceOrg", parameter=1.0, clip_max=10.0),
        Feature("log_balance_after", OP_DIFFERENCE, "oldbalanceOrg", "amount", log1p=True),
        Feature("hour_of_day", OP_MODULO, "step", parameter=24.0),
        Feature("payee_is_merchant", OP_PREFIX_FLAG, "nameDest", text="M"),
    ]
    return Spec(columns, features, window_length=window, window_mode=WINDOW_PER_KEY, key_column="nameOrig",
                time_column="step")


def spec_for(variant: str, window=10) -> Spec:
    if variant == "paper":
        return paper_spec(window)
    if variant == "on-device":
        return on_device_spec(window)
    raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")


def train_settings(variant: str) -> dict:
    """TrainConfig fields a variant sets beyond the defaults."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    return {"conv_dropout": PAPER_CONV_DROPOUT} if variant == "paper" else {}
