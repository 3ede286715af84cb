"""SME payments simulator: the stand-in for the lstm_attn paper's private data.

Enterprises in six industry sectors, each with a size, growth, seasonality,
its own suppliers and customers, payment terms and habits, pay invoices over a
year. Each row is one payment as an ERP exports it: the invoice and what was
paid, the terms and the delay, the counterparty's age and dormancy, the
channel, the time, and the enterprise's operational metrics of that month
(revenue trend, cash buffer, share of overdue invoices).

Anomalies (`is_anomaly`) are what an SME payment monitor meets: sudden delays
with partial payment, amount spikes, new or long-dormant counterparties,
splitting into just-below-limit amounts, off-hours bursts and round-tripping.
Normal behaviour overlaps them on purpose: equipment purchases are large,
logistics pays at night, enterprises take on new suppliers, some pay late as
a habit, and healthy enterprises go through stress that passes.

Some enterprises fall into distress (`distress_day`); their behaviour
deteriorates over the months before it (longer delays, partial payments,
thinning cash, rising overdue share). `risk_label` is 1 for a payment made
within `horizon` days before its enterprise's distress: the enterprise-risk
target. A drift option shifts the anomaly mix, the amounts and the channels
from a given day on, for testing thresholds under drift.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

SECTORS = ["manufacturing", "retail", "construction", "services", "logistics", "agriculture"]
CHANNELS = ["bank_transfer", "direct_debit", "card", "cheque", "mobile"]
DIRECTIONS = ["out", "in"]
ANOMALY_TYPES = ["delay_partial", "amount_spike", "new_counterparty", "dormant_counterparty", "split",
                 "off_hours_burst", "round_trip"]


@dataclass(frozen=True)
class Sector:
    weight: float          # share of enterprises
    rate: float            # payments per day of a median-size enterprise
    log_amount: float      # log of a typical invoice
    terms: tuple           # usual payment terms, days
    late: float            # usual delay, days
    night: float           # share of legitimate payments outside 06-20 h
    season: float          # amplitude of yearly seasonality
    phase: float
    distress: float        # base rate of later distress
    channels: tuple        # channel mix


SECTOR_PARAMS = {
    "manufacturing": Sector(0.22, 1.4, 8.6, (30, 60, 90), 6.0, 0.03, 0.15, 0.0, 0.07, (.55, .20, .08, .10, .07)),
    "retail": Sector(0.24, 2.2, 7.4, (30, 45), 3.0, 0.06, 0.35, 1.2, 0.08, (.35, .25, .25, .03, .12)),
    "construction": Sector(0.14, 0.9, 9.0, (45, 60, 90), 12.0, 0.02, 0.30, 3.5, 0.12, (.60, .10, .05, .20, .05)),
    "services": Sector(0.20, 1.1, 7.8, (30,), 4.0, 0.04, 0.10, 0.5, 0.06, (.45, .25, .15, .02, .13)),
    "logistics": Sector(0.10, 1.8, 7.9, (30, 45), 5.0, 0.22, 0.20, 2.0, 0.09, (.50, .20, .18, .02, .10)),
    "agriculture": Sector(0.10, 0.8, 8.2, (60, 90), 9.0, 0.08, 0.60, 4.0, 0.10, (.50, .15, .05, .20, .10)),
}
ANOMALY_MIX = np.array([0.22, 0.18, 0.14, 0.10, 0.14, 0.12, 0.10])
DRIFT_MIX = np.array([0.12, 0.12, 0.10, 0.06, 0.25, 0.20, 0.15])


def _enterprises(n, rng):
    weights = np.array([SECTOR_PARAMS[s].weight for s in SECTORS])
    sector = rng.choice(len(SECTORS), n, p=weights / weights.sum())
    p = [SECTOR_PARAMS[SECTORS[s]] for s in sector]
    size = rng.lognormal(0.0, 0.6, n)
    distress_rate = np.array([q.distress for q in p]) * np.clip(1.3 - 0.4 * size, 0.4, 1.6)
    distressed = rng.random(n) < distress_rate
    return pd.DataFrame({
        "sector": sector,
        "size": size,
        "growth": rng.normal(0.05, 0.10, n),
        "suppliers": 4 + rng.poisson(10 * np.sqrt(size)),
        "customers": 2 + rng.poisson(5 * np.sqrt(size)),
        "habit_late": np.array([q.late for q in p]) + rng.gamma(1.5, 3.0, n) * (rng.random(n) < 0.25),
        "cash_days": rng.lognormal(np.log(45), 0.5, n),
        "overdue_base": rng.beta(2, 18, n),
        # Distress falls within the observed year or up to half a year after it.
        "distress_day": np.where(distressed, rng.uniform(120, 540, n), np.inf),
        # A healthy enterprise's passing stress: deteriorates, then recovers.
        "stress_day": np.where(~distressed & (rng.random(n) < 0.12), rng.uniform(60, 330, n), np.inf),
        "limit": 10 ** np.round(np.log10(np.exp(np.array([q.log_amount for q in p])) * size * 4)),
    })


def _deterioration(ent_idx, day, ent):
    """0 (healthy) .. 1 (about to fail): the last 150 days before distress, or a 90-day passing stress."""
    distress = ent["distress_day"].to_numpy()[ent_idx]
    stress = ent["stress_day"].to_numpy()[ent_idx]
    before = np.clip((day - (distress - 150.0)) / 150.0, 0.0, 1.0)
    passing = 0.6 * np.clip(1.0 - np.abs(day - stress) / 45.0, 0.0, 1.0)
    return np.maximum(before, passing)


def simulate(enterprises=1500, days=365, seed=7, anomaly_rate=0.012, horizon=180.0, drift_day=None):
    """A DataFrame of payments sorted by enterprise, then time."""
    rng = np.random.default_rng(seed)
    ent = _enterprises(enterprises, rng)
    sector_names = np.array(SECTORS)[ent["sector"].to_numpy()]
    params = [SECTOR_PARAMS[s] for s in sector_names]
    rate = 0.6 * np.array([q.rate for q in params]) * ent["size"].to_numpy() ** 0.7

    # Payment times: Poisson counts, thinned by seasonality and by slowing activity under distress.
    counts = rng.poisson(rate * days * 1.4)
    e = np.repeat(np.arange(enterprises), counts)
    t = rng.uniform(0, days, len(e))
    amp = np.array([q.season for q in params])[e]
    phase = np.array([q.phase for q in params])[e]
    season = 1.0 + amp * np.sin(2 * np.pi * t / 365.0 + phase)
    keep = rng.random(len(e)) < season / (1.0 + amp) * (1.0 - 0.3 * _deterioration(e, t, ent)) / 1.0
    e, t, season = e[keep], t[keep], season[keep]
    n = len(e)
    det = _deterioration(e, t, ent)
    drifted = np.zeros(n, bool) if drift_day is None else t >= drift_day

    night_share = np.array([q.night for q in params])[e]
    hour = np.where(rng.random(n) < night_share, rng.uniform(0, 24, n), np.clip(rng.normal(11.5, 2.6, n), 6, 19.99))
    time = np.floor(t) + np.floor(hour * 60) / (24 * 60)

    direction = (rng.random(n) < 0.18).astype(np.int64)  # 1: incoming (a customer pays)
    partners = np.where(direction == 1, ent["customers"].to_numpy()[e], ent["suppliers"].to_numpy()[e])
    partner = np.floor(partners * rng.power(0.6, n)).astype(np.int64)  # a few partners take most payments
    # A legitimately new supplier now and then.
    fresh = rng.random(n) < 0.02
    partner = np.where(fresh, partners + rng.integers(0, 10**6, n), partner)

    size = ent["size"].to_numpy()[e]
    growth = ent["growth"].to_numpy()[e]
    log_amount = np.array([q.log_amount for q in params])[e]
    invoice = np.exp(log_amount + np.log(size) + rng.normal(0, 0.8, n)) * (1 + growth * t / 365) * season
    equipment = rng.random(n) < 0.005  # large, legitimate
    invoice = np.where(equipment, invoice * rng.uniform(3, 10, n), invoice)
    invoice = np.where(drifted, invoice * 1.15, invoice)  # price level drift
    terms = np.array([rng.choice(q.terms) for q in params])[e]  # each enterprise keeps its terms
    late = ent["habit_late"].to_numpy()[e] + rng.normal(0, 5, n) + 35 * det * (0.5 + rng.random(n))
    late = np.maximum(late, -terms)
    partial = rng.random(n) < 0.04 + 0.35 * det
    paid = np.where(partial, invoice * rng.uniform(0.3, 0.95, n), invoice)
    chan_p = np.array([q.channels for q in params])[e]
    chan_p = np.where(drifted[:, None], 0.7 * chan_p + 0.3 * np.eye(len(CHANNELS))[CHANNELS.index("mobile")], chan_p)
    channel = (rng.random(n)[:, None] > np.cumsum(chan_p, axis=1)).sum(axis=1)
    channel = np.minimum(channel, len(CHANNELS) - 1)

    # Anomalies.
    rate_n = np.where(drifted, 2.0 * anomaly_rate, anomaly_rate)
    anomalous = rng.random(n) < rate_n
    mix = np.where(drifted[:, None], DRIFT_MIX, ANOMALY_MIX)
    kind = (rng.random(n)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1)
    kind = np.where(anomalous, np.minimum(kind, len(ANOMALY_TYPES) - 1), -1)
    a = {name: kind == i for i, name in enumerate(ANOMALY_TYPES)}
    late = np.where(a["delay_partial"], late + rng.uniform(35, 120, n), late)
    paid = np.where(a["delay_partial"], invoice * rng.uniform(0.1, 0.6, n), paid)
    spike = rng.uniform(5, 25, n)
    invoice = np.where(a["amount_spike"], invoice * spike, invoice)
    paid = np.where(a["amount_spike"], paid * spike, paid)
    new_partner = a["new_counterparty"]
    partner = np.where(new_partner, partners + 10**6 + rng.integers(0, 10**6, n), partner)
    big = rng.uniform(2, 8, n)
    invoice = np.where(new_partner | a["dormant_counterparty"], invoice * big, invoice)
    paid = np.where(new_partner | a["dormant_counterparty"], paid * big, paid)
    limit = ent["limit"].to_numpy()[e]
    just_below = limit * rng.uniform(0.95, 0.999, n)
    invoice = np.where(a["split"], just_below, invoice)
    paid = np.where(a["split"], just_below, paid)
    burst_hour = rng.uniform(0, 5, n)
    time = np.where(a["off_hours_burst"], np.floor(t) + np.floor(burst_hour * 60) / 1440, time)
    direction = np.where(a["round_trip"], 0, direction)

    df = pd.DataFrame({
        "enterprise": e, "time": time, "direction": direction, "partner": partner, "channel": channel,
        "invoice_amount": invoice, "amount": paid, "terms_days": terms, "days_late": late, "kind": kind,
        "deterioration": det, "dormant": a["dormant_counterparty"],
    })
    df = pd.concat([df, _companions(df, a, limit, rng)], ignore_index=True)
    return _finish(df, ent, sector_names_all=np.array(SECTORS), horizon=horizon, rng=rng, days=days)


def _companions(df, a, limit, rng):
    """The extra payments of multi-payment anomalies: the rest of a split, a burst, the way back of a round trip."""
    parts = []
    for name, extra in (("split", (2, 5)), ("off_hours_burst", (2, 4)), ("round_trip", (1, 2))):
        rows = df[a[name]]
        if rows.empty:
            continue
        k = rng.integers(extra[0], extra[1], len(rows))
        rep = rows.loc[rows.index.repeat(k)].copy()
        m = len(rep)
        if name == "split":
            rep["time"] = rep["time"] + rng.uniform(1, 180, m) / 1440
            rep["invoice_amount"] = rep["amount"] = np.repeat(limit[a[name]], k) * rng.uniform(0.95, 0.999, m)
        elif name == "off_hours_burst":
            rep["time"] = rep["time"] + rng.uniform(1, 40, m) / 1440
            rep["invoice_amount"] = rep["amount"] = rep["amount"] * rng.uniform(0.5, 2.0, m)
        else:
            rep["time"] = rep["time"] + rng.uniform(0.3, 2.0, m)
            rep["direction"] = 1
            rep["invoice_amount"] = rep["amount"] = rep["amount"] * rng.uniform(0.97, 1.03, m)
        parts.append(rep)
    return pd.concat(parts) if parts else df.iloc[:0]


def _finish(df, ent, sector_names_all, horizon, rng, days):
    df = df.sort_values(["enterprise", "time"], kind="stable").reset_index(drop=True)
    e = df["enterprise"].to_numpy()
    t = df["time"].to_numpy()
    n = len(df)
    # Counterparty history as the ledger shows it (history before the year: a supplier's first payment
    # lies up to two years back unless it is new).
    pair = e * (1 << 32) + df["partner"].to_numpy() * 2 + df["direction"].to_numpy()
    g = pd.Series(t).groupby(pair)
    first = g.transform("min").to_numpy()
    prev = g.shift(1).to_numpy()
    is_new = df["partner"].to_numpy() >= 10**6
    # The same history for every payment of a pair (a hash of the pair, not a fresh draw).
    history = np.where(is_new, 0.0, 30.0 + 700.0 * ((pair * 2654435761) % 1000003) / 1000003.0)
    age = t - first + history
    since = np.where(np.isnan(prev), np.where(is_new, 0.0, rng.exponential(30, n)), t - prev)
    dormant = df["dormant"].to_numpy()
    since = np.where(dormant, rng.uniform(300, 900, n), since)
    age = np.where(dormant, since + rng.uniform(100, 1000, n), age)
    gap = np.diff(t, prepend=np.nan) * 24
    gap = np.where(np.r_[True, e[1:] != e[:-1]], rng.exponential(20, n), gap)

    det = df["deterioration"].to_numpy()
    month = np.clip(np.floor(t / 30.4).astype(int), 0, 40)
    noise = rng.normal(0, 1, (len(ent), 41))
    sector = ent["sector"].to_numpy()[e]
    revenue_trend = ent["growth"].to_numpy()[e] + 0.04 * noise[e, month] - 0.35 * det
    cash = ent["cash_days"].to_numpy()[e] * (1 - 0.8 * det) * np.exp(0.1 * noise[e, (month + 7) % 41])
    overdue = np.clip(ent["overdue_base"].to_numpy()[e] + 0.03 * noise[e, (month + 13) % 41] + 0.4 * det, 0, 1)
    distress = ent["distress_day"].to_numpy()[e]
    kind = df["kind"].to_numpy()
    hour = (t - np.floor(t)) * 24
    out = pd.DataFrame({
        "enterprise_id": [f"E{i:05d}" for i in e],
        "day": np.round(t, 6),
        "sector": sector_names_all[sector],
        "direction": np.array(DIRECTIONS)[df["direction"].to_numpy()],
        "channel": np.array(CHANNELS)[df["channel"].to_numpy()],
        "counterparty_id": [f"P{i}" for i in df["partner"].to_numpy()],
        "amount": np.round(df["amount"].to_numpy(), 2),
        "invoice_amount": np.round(df["invoice_amount"].to_numpy(), 2),
        "terms_days": df["terms_days"].to_numpy().astype(int),
        "days_late": np.round(df["days_late"].to_numpy(), 1),
        "counterparty_age_days": np.round(np.maximum(age, 0), 1),
        "days_since_counterparty": np.round(np.maximum(since, 0), 2),
        "hour": np.round(hour, 2),
        "hours_since_previous": np.round(np.maximum(gap, 0), 3),
        "revenue_trend": np.round(revenue_trend, 4),
        "cash_buffer_days": np.round(cash, 1),
        "overdue_ratio": np.round(overdue, 4),
        "is_anomaly": (kind >= 0).astype(np.int64),
        "anomaly_type": np.where(kind >= 0, np.array(ANOMALY_TYPES)[np.maximum(kind, 0)], ""),
        "risk_label": ((distress - t > 0) & (distress - t <= horizon)).astype(np.int64),
        "distress_day": np.where(np.isfinite(distress), np.round(distress, 1), np.nan),
    })
    return out[out["day"] < days].reset_index(drop=True)
