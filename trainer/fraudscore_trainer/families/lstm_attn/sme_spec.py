"""The lstm_attn-sme feature spec: an SME payment as its ERP exports it ->
model features, in a window of the enterprise's last payments."""
from fraudscore_trainer.features.spec import (CATEGORICAL, IDENTIFIER, NUMERIC, OP_ONE_HOT, OP_RATIO, OP_VALUE, TIME, WINDOW_PER_KEY, Column,
                       Feature, Spec)
from fraudscore_trainer.dataset.simulators.sme_payments import CHANNELS, DIRECTIONS, SECTORS

KEY_COLUMN, TIME_COLUMN, SEGMENT_COLUMN = "enterprise_id", "day", "sector"


def _non_negative(name):
    return Column(name, NUMERIC, min_value=0.0)


def sme_spec(window=16) -> Spec:
    columns = [
        Column(KEY_COLUMN, IDENTIFIER, missing_allowed=False),
        Column(TIME_COLUMN, TIME, min_value=0.0),
        Column(SEGMENT_COLUMN, CATEGORICAL, vocabulary=list(SECTORS), missing_allowed=False),
        Column("direction", CATEGORICAL, vocabulary=list(DIRECTIONS), missing_allowed=False),
        Column("channel", CATEGORICAL, vocabulary=list(CHANNELS), missing_allowed=False),
        _non_negative("amount"), _non_negative("invoice_amount"), _non_negative("terms_days"),
        Column("days_late", NUMERIC),  # early payment is negative
        _non_negative("counterparty_age_days"), _non_negative("days_since_counterparty"),
        _non_negative("hour"), _non_negative("hours_since_previous"),
        Column("revenue_trend", NUMERIC), _non_negative("cash_buffer_days"), _non_negative("overdue_ratio"),
    ]
    amount = ("AMOUNT", "Payment amount unusual for this enterprise")
    delay = ("PAYMENT_DELAY", "Paid much later than the invoice's terms")
    features = [
        Feature("log_amount", OP_VALUE, "amount", log1p=True, reason_code=amount[0], reason_text=amount[1]),
        Feature("log_invoice", OP_VALUE, "invoice_amount", log1p=True, reason_code=amount[0],
                reason_text=amount[1]),
        Feature("paid_share", OP_RATIO, "amount", "invoice_amount", parameter=1.0, clip_max=3.0,
                reason_code="PARTIAL_PAYMENT", reason_text="Paid amount differs from the invoice"),
        Feature("days_late", OP_VALUE, "days_late", clip_min=-90.0, clip_max=365.0, reason_code=delay[0],
                reason_text=delay[1]),
        Feature("late_to_terms", OP_RATIO, "days_late", "terms_days", parameter=1.0, clip_min=-1.0, clip_max=10.0,
                reason_code=delay[0], reason_text=delay[1]),
        Feature("log_counterparty_age", OP_VALUE, "counterparty_age_days", log1p=True,
                reason_code="NEW_COUNTERPARTY", reason_text="New counterparty"),
        Feature("log_dormancy", OP_VALUE, "days_since_counterparty", log1p=True,
                reason_code="DORMANT_COUNTERPARTY", reason_text="Counterparty dormant for a long time"),
        Feature("hour", OP_VALUE, "hour", reason_code="OFF_HOURS", reason_text="Paid outside business hours"),
        Feature("log_gap", OP_VALUE, "hours_since_previous", log1p=True, reason_code="BURST",
                reason_text="Payments in quick succession"),
        Feature("revenue_trend", OP_VALUE, "revenue_trend", clip_min=-1.0, clip_max=1.0,
                reason_code="REVENUE_TREND", reason_text="Revenue falling"),
        Feature("log_cash_buffer", OP_VALUE, "cash_buffer_days", log1p=True, reason_code="CASH_BUFFER",
                reason_text="Thin cash buffer"),
        Feature("overdue_ratio", OP_VALUE, "overdue_ratio", clip_max=1.0, reason_code="OVERDUE",
                reason_text="High share of overdue invoices"),
    ]
    features += [Feature(f"direction_{d}", OP_ONE_HOT, "direction", parameter=float(i), reason_code="DIRECTION",
                         reason_text="Unusual payment direction") for i, d in enumerate(DIRECTIONS)]
    features += [Feature(f"channel_{c}", OP_ONE_HOT, "channel", parameter=float(i), reason_code="CHANNEL",
                         reason_text="Unusual payment channel") for i, c in enumerate(CHANNELS)]
    features += [Feature(f"sector_{s}", OP_ONE_HOT, "sector", parameter=float(i), reason_code="SECTOR",
                         reason_text="Industry sector") for i, s in enumerate(SECTORS)]
    return Spec(columns, features, window_length=window, window_mode=WINDOW_PER_KEY, key_column=KEY_COLUMN,
                time_column=TIME_COLUMN)
