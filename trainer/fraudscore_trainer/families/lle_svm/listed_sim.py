"""Simulated listed companies: consistent annual statements -> the paper's 26 indicators.

The paper's data (Chinese listed companies and CSRC enforcement records) is
private, so the trainer generates a panel of companies x years. Every company
year is built from statement items (balance sheet, income statement, cash
flow, share count, governance), so the indicators relate to one another as
they do in real accounts:

- revenue follows a persistent growth process; cost of sales, expenses,
  receivables, inventory and payables follow it through company-specific
  margins and day counts (with industry means);
- equity evolves by clean surplus (profit - dividends + share issues); cash is
  what the balance sheet leaves, and short-term loans fund any shortfall;
- the cash-flow statement is derived from the balance-sheet changes, so
  cash_t - cash_{t-1} = CFO + CFI + CFF holds exactly for honest reports.

Fraud follows the fraud triangle: companies under pressure (leverage, weak
profits) and with weak governance are more likely to offend; an offending
company has an episode of 1-4 consecutive years in which its true results
sag (the motive) and its reported statements are distorted by one of:

- fictitious revenue or profit: fake sales booked as receivables (profit
  without cash: receivables/revenue up, margins up, receivables turnover down);
- fictitious assets: expenses capitalised into fixed assets and inventory
  (fixed-asset growth and inventory/revenue up, costs down);
- improper accounting: revenue recognised early and selling expenses under-
  stated (smaller, timing-like distortions);
- false records: hidden borrowing and fabricated deposits (liquidity ratios up,
  long-term loans down; the balance sheet is forced to balance through
  equity, so the clean-surplus and cash-flow identities break);
- non-statement violations (disclosure, guarantees, insider dealing): no
  statement distortion, only weak governance traces.

Fictitious balances are written off in the year after an episode (an
impairment that is not itself fraud). Margins, growth and governance are
noisy enough that honest and fraudulent years overlap. Everything is
vectorised over companies, seeded and deterministic.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fraudscore_trainer.families.lle_svm.listed_spec import INDICATOR_COLUMNS, KEY_COLUMN, LABEL_COLUMN, TIME_COLUMN

FRAUD_TYPES = ("none", "fictitious_revenue", "fictitious_assets", "improper_accounting", "false_records",
               "non_statement")
FRAUD_TYPE_SHARES = (0.35, 0.2, 0.15, 0.15, 0.15)  # of episodes, in FRAUD_TYPES[1:] order
NONE, FICT_REVENUE, FICT_ASSETS, IMPROPER, FALSE_RECORDS, NON_STATEMENT = range(6)
TAX_RATE, INTEREST_RATE = 0.25, 0.05
# Industry means: manufacturing, consumer, technology, construction, trade.
IND_GROSS_MARGIN = np.array([0.20, 0.32, 0.42, 0.14, 0.10])
IND_RECEIVABLE_DAYS = np.array([70.0, 40.0, 95.0, 130.0, 30.0])
IND_INVENTORY_DAYS = np.array([80.0, 60.0, 45.0, 160.0, 35.0])
IND_PAYABLE_DAYS = np.array([65.0, 55.0, 50.0, 110.0, 30.0])
IND_FIXED_TO_REVENUE = np.array([0.65, 0.35, 0.25, 0.15, 0.10])
IND_SELLING_RATE = np.array([0.04, 0.12, 0.08, 0.02, 0.02])


@dataclass
class Panel:
    rows: pd.DataFrame      # one row per reported company-year: ids, the 26 indicators, labels
    reported: dict          # statement item -> [companies, years + 1] as published (column 0: base year)
    true: dict              # the same items without the manipulation
    fraud: np.ndarray       # [companies, years + 1] bool, the year's report is fraudulent
    fraud_type: np.ndarray  # [companies, years + 1] index into FRAUD_TYPES
    industry: np.ndarray    # [companies]


def _lognormal(rng, sigma, shape):
    return np.exp(rng.normal(-0.5 * sigma * sigma, sigma, shape))


def _traits(rng, n):
    ind = rng.integers(0, len(IND_GROSS_MARGIN), n)
    t = dict(industry=ind,
             log_revenue=rng.normal(21.0, 1.0, n),
             growth_mean=rng.normal(0.07, 0.05, n),
             growth_vol=rng.uniform(0.06, 0.20, n),
             margin=np.clip(IND_GROSS_MARGIN[ind] + rng.normal(0, 0.06, n), 0.03, 0.8),
             receivable_days=IND_RECEIVABLE_DAYS[ind] * _lognormal(rng, 0.35, n),
             inventory_days=IND_INVENTORY_DAYS[ind] * _lognormal(rng, 0.35, n),
             payable_days=IND_PAYABLE_DAYS[ind] * _lognormal(rng, 0.35, n),
             fixed_to_revenue=IND_FIXED_TO_REVENUE[ind] * _lognormal(rng, 0.35, n),
             selling_rate=IND_SELLING_RATE[ind] * _lognormal(rng, 0.35, n),
             admin_rate=rng.uniform(0.03, 0.10, n),
             other_ca=rng.uniform(0.03, 0.12, n), other_nca=rng.uniform(0.05, 0.35, n),
             other_cl=rng.uniform(0.04, 0.14, n), other_ncl=rng.uniform(0.0, 0.05, n),
             lt_loans=rng.uniform(0.0, 0.30, n) * (rng.random(n) < 0.75),
             equity_ratio=rng.uniform(0.35, 0.75, n), payout=rng.uniform(0.1, 0.4, n),
             min_cash=rng.uniform(0.05, 0.20, n), nav0=rng.uniform(2.0, 8.0, n),
             board_size=rng.choice([7, 9, 11], n),
             board_hold=np.where(rng.random(n) < 0.4, rng.beta(1.2, 4.0, n) * 0.6, rng.beta(0.5, 40.0, n)),
             supervisory_hold=np.where(rng.random(n) < 0.15, rng.beta(1.0, 30.0, n), 0.0),
             top10=np.clip(rng.normal(0.58, 0.14, n), 0.15, 0.95))
    # Independent directors: the legal minimum of a third, some boards more.
    t["independent"] = np.ceil(t["board_size"] / 3) + (rng.random(n) < 0.25)
    return t


def _fraud_episodes(rng, t, n, years, company_share):
    """[n, years + 1] fraud flags and types (no fraud in the base year 0)."""
    weak = (-(t["independent"] / t["board_size"] - 0.36) * 8 + (t["top10"] - 0.58) * 4
            + t["lt_loans"] * 3 - t["margin"] * 3 + rng.normal(0, 1.0, n))
    weak = (weak - weak.mean()) / weak.std()
    offset = np.log(company_share / (1 - company_share))
    offender = rng.random(n) < 1 / (1 + np.exp(-(offset + 0.9 * weak)))
    start = rng.integers(1, years + 1, n)
    length = np.minimum(rng.geometric(0.5, n), 4)
    kind = 1 + rng.choice(len(FRAUD_TYPE_SHARES), n, p=FRAUD_TYPE_SHARES)
    year = np.arange(years + 1)[None, :]
    fraud = offender[:, None] & (year >= start[:, None]) & (year < (start + length)[:, None])
    return fraud, np.where(fraud, kind[:, None], NONE)


def _true_statements(rng, t, n, years, fraud):
    """Honest statements, [n, years + 1] per item, year by year (vectorised over companies)."""
    T = years + 1
    macro = rng.normal(0.0, 0.04, T)
    items = {k: np.zeros((n, T)) for k in (
        "revenue", "cogs", "selling", "admin", "interest", "ebit", "pretax", "net_income", "dividends", "issues",
        "depreciation", "receivables", "inventory", "other_ca", "cash", "fixed_assets", "other_nca", "payables",
        "other_cl", "short_loans", "lt_loans", "other_ncl", "equity", "shares", "cfo", "cfi", "cff",
        "board_hold", "supervisory_hold", "top10", "independent")}
    growth = t["growth_mean"].copy()
    margin_shock = np.zeros(n)
    for y in range(T):
        pressure = fraud[:, y]  # the motive: true results sag in fraud years
        if y == 0:
            revenue = np.exp(t["log_revenue"])
        else:
            growth = (t["growth_mean"] + 0.5 * (growth - t["growth_mean"]) + macro[y]
                      + rng.normal(0, 1, n) * t["growth_vol"] - 0.08 * pressure)
            growth = np.clip(growth, -0.45, 1.2)
            revenue = items["revenue"][:, y - 1] * (1 + growth)
        margin_shock = 0.6 * margin_shock + rng.normal(0, 0.03, n)
        margin = np.clip(t["margin"] + margin_shock - 0.03 * pressure, 0.01, 0.9)
        cogs = revenue * (1 - margin)
        selling = revenue * t["selling_rate"] * _lognormal(rng, 0.12, n)
        admin = revenue * t["admin_rate"] * _lognormal(rng, 0.12, n)
        receivables = revenue * t["receivable_days"] * _lognormal(rng, 0.12, n) / 365
        inventory = cogs * t["inventory_days"] * _lognormal(rng, 0.12, n) / 365
        payables = cogs * t["payable_days"] * _lognormal(rng, 0.12, n) / 365
        fixed = revenue * t["fixed_to_revenue"] * _lognormal(rng, 0.08, n)
        if y > 0:  # fixed assets adjust slowly to the revenue they support
            fixed = 0.6 * items["fixed_assets"][:, y - 1] + 0.4 * fixed
        other_ca, other_nca = revenue * t["other_ca"], revenue * t["other_nca"]
        other_cl, other_ncl = revenue * t["other_cl"], revenue * t["other_ncl"]
        noncash = receivables + inventory + other_ca + fixed + other_nca
        lt_loans = noncash * t["lt_loans"] * _lognormal(rng, 0.1, n)
        if y == 0:
            interest = INTEREST_RATE * lt_loans
            depreciation = 0.08 * fixed
        else:
            interest = INTEREST_RATE * (items["short_loans"][:, y - 1] + items["lt_loans"][:, y - 1])
            depreciation = 0.08 * items["fixed_assets"][:, y - 1]
        ebit = revenue - cogs - selling - admin
        pretax = ebit - interest
        net_income = pretax - TAX_RATE * np.maximum(pretax, 0)
        dividends = t["payout"] * np.maximum(net_income, 0)
        if y == 0:
            equity = t["equity_ratio"] * noncash
            issues = np.zeros(n)
            shares = equity / t["nav0"]
        else:
            prev_equity = items["equity"][:, y - 1]
            issues = (rng.random(n) < 0.04) * 0.25 * prev_equity
            equity = prev_equity + net_income - dividends + issues
            rescue = np.maximum(0.15 * noncash - equity, 0)  # a distressed company raises equity
            issues, equity = issues + rescue, equity + rescue
            nav_prev = prev_equity / items["shares"][:, y - 1]
            shares = items["shares"][:, y - 1] + issues / (1.5 * nav_prev)
        cash_before = payables + other_cl + lt_loans + other_ncl + equity - noncash
        short_loans = np.maximum(t["min_cash"] * revenue - cash_before, 0)
        cash = cash_before + short_loans
        for k, v in dict(revenue=revenue, cogs=cogs, selling=selling, admin=admin, interest=interest, ebit=ebit,
                         pretax=pretax, net_income=net_income, dividends=dividends, issues=issues,
                         depreciation=depreciation, receivables=receivables, inventory=inventory,
                         other_ca=other_ca, cash=cash, fixed_assets=fixed, other_nca=other_nca, payables=payables,
                         other_cl=other_cl, short_loans=short_loans, lt_loans=lt_loans, other_ncl=other_ncl,
                         equity=equity, shares=shares).items():
            items[k][:, y] = v
    _governance(rng, t, items, fraud, n, T)
    _cash_flows(items)
    return items


def _governance(rng, t, items, fraud, n, T):
    """Slow-moving ownership and board composition; fraud years leave weak traces."""
    board = t["board_size"][:, None]
    indep = t["independent"][:, None] + (rng.random((n, T)) < 0.08) - fraud * (rng.random((n, T)) < 0.25)
    items["independent"][:] = np.clip(indep, 1, board) / board
    drift = np.cumsum(rng.normal(0, 0.015, (n, T)), axis=1)
    items["top10"][:] = np.clip(t["top10"][:, None] + drift + 0.03 * fraud, 0.1, 0.98)
    items["board_hold"][:] = np.clip(t["board_hold"][:, None] * _lognormal(rng, 0.1, (n, T)), 0, 0.9)
    items["supervisory_hold"][:] = np.clip(t["supervisory_hold"][:, None] * _lognormal(rng, 0.1, (n, T)), 0, 0.5)


def _cash_flows(items):
    """Indirect-method cash flows from balance-sheet changes (year 0 has none)."""
    d = {k: np.diff(items[k], axis=1, prepend=items[k][:, :1]) for k in (
        "receivables", "inventory", "other_ca", "fixed_assets", "other_nca", "payables", "other_cl",
        "short_loans", "lt_loans", "other_ncl")}
    items["cfo"][:] = (items["net_income"] + items["depreciation"] - d["receivables"] - d["inventory"]
                       - d["other_ca"] + d["payables"] + d["other_cl"])
    items["cfi"][:] = -(d["fixed_assets"] + items["depreciation"]) - d["other_nca"]
    items["cff"][:] = d["short_loans"] + d["lt_loans"] + d["other_ncl"] + items["issues"] - items["dividends"]
    for k in ("cfo", "cfi", "cff"):
        items[k][:, 0] = 0.0


def _manipulate(rng, true, fraud, kind, n, T):
    """The published statements: `true` plus each fraud type's distortion.

    Fictitious balances accumulate during an episode (fake receivables, capitalised
    costs, unrecorded or fake payables; their net, the fake pre-tax profit P, is
    matched by 25% tax payable and 75% equity) and are written off in the first
    year after it."""
    rep = {k: v.copy() for k, v in true.items()}
    size = rng.uniform(0.08, 0.30, n)       # fake sales / true revenue
    capitalised = rng.uniform(0.04, 0.12, n)
    early = rng.uniform(0.03, 0.08, n)
    hidden = rng.uniform(0.3, 0.8, n)       # share of long-term loans kept off the books
    fake_cash = rng.uniform(0.05, 0.15, n)
    stock_ar, stock_ap, stock_fa, stock_inv = (np.zeros(n) for _ in range(4))
    for y in range(1, T):
        k = kind[:, y]
        R, C = true["revenue"][:, y], true["cogs"][:, y]
        fake_revenue = np.where(k == FICT_REVENUE, size * R, 0) + np.where(k == IMPROPER, early * R, 0)
        fake_cogs = (np.where(k == FICT_REVENUE, size * C * 0.5, 0) + np.where(k == IMPROPER, early * C, 0))
        hidden_selling = np.where(k == IMPROPER, 0.3 * true["selling"][:, y], 0)
        hidden_admin = np.where(k == FICT_ASSETS, np.minimum(capitalised * R, 0.9 * true["admin"][:, y]), 0)
        pre_tax = fake_revenue - fake_cogs + hidden_selling + hidden_admin
        # The year after an episode, the fictitious balances are written off.
        ended = ~fraud[:, y] & fraud[:, y - 1]
        write_off = np.where(ended, stock_ar + stock_fa + stock_inv - stock_ap, 0)
        # Fake sales sit in receivables, their fake costs in payables (never settled).
        stock_ar = np.where(ended, 0, stock_ar + fake_revenue)
        stock_ap = np.where(ended, 0, stock_ap + fake_cogs - hidden_selling)
        stock_fa = np.where(ended, 0, stock_fa + 0.6 * hidden_admin)
        stock_inv = np.where(ended, 0, stock_inv + 0.4 * hidden_admin)
        stocks = stock_ar + stock_fa + stock_inv - stock_ap  # cumulative fake pre-tax profit
        rep["revenue"][:, y] += fake_revenue
        rep["cogs"][:, y] += fake_cogs
        rep["selling"][:, y] -= hidden_selling
        rep["admin"][:, y] -= hidden_admin
        rep["receivables"][:, y] += stock_ar
        rep["payables"][:, y] += stock_ap
        rep["fixed_assets"][:, y] += stock_fa
        rep["inventory"][:, y] += stock_inv
        rep["other_cl"][:, y] += TAX_RATE * stocks
        rep["equity"][:, y] += (1 - TAX_RATE) * stocks
        rep["ebit"][:, y] += pre_tax - write_off
        rep["pretax"][:, y] += pre_tax - write_off
        rep["net_income"][:, y] += (1 - TAX_RATE) * (pre_tax - write_off)
        # False records: debt hidden and deposits invented; equity absorbs the gap.
        fr = k == FALSE_RECORDS
        hid = np.where(fr, hidden * true["lt_loans"][:, y], 0)
        fake = np.where(fr, fake_cash * R, 0)
        rep["lt_loans"][:, y] -= hid
        rep["cash"][:, y] += fake
        rep["equity"][:, y] += hid + fake
        saved = np.where(fr, hidden * true["interest"][:, y], 0)
        rep["interest"][:, y] -= saved
        rep["pretax"][:, y] += saved
        rep["net_income"][:, y] += (1 - TAX_RATE) * saved
        rep["cfo"][:, y] += fake  # the invented deposits are reported as operating cash
    # Cash flows of the other fraud types follow from the reported balances.
    cfo_fr = rep["cfo"].copy()
    _cash_flows(rep)
    false_rec = kind == FALSE_RECORDS
    rep["cfo"][false_rec] = cfo_fr[false_rec]
    return rep


def total_assets(st):
    return (st["cash"] + st["receivables"] + st["inventory"] + st["other_ca"] + st["fixed_assets"]
            + st["other_nca"])


def total_liabilities(st):
    return st["payables"] + st["other_cl"] + st["short_loans"] + st["lt_loans"] + st["other_ncl"]


def indicators(st) -> np.ndarray:
    """The 26 indicators (INDICATORS order) for years 1.. from statements [n, T]: [n, T - 1, 26]."""
    def avg(x):
        return (x[:, 1:] + x[:, :-1]) / 2

    def cur(x):
        return x[:, 1:]

    def growth(x):
        return x[:, 1:] / x[:, :-1] - 1

    A = total_assets(st)
    ca = st["cash"] + st["receivables"] + st["inventory"] + st["other_ca"]
    cl = st["payables"] + st["other_cl"] + st["short_loans"]
    long_liab = st["lt_loans"] + st["other_ncl"]
    E, R = st["equity"], st["revenue"]
    toc = st["cogs"] + st["selling"] + st["admin"] + st["interest"]
    cols = [
        cur(ca / cl), cur((ca - st["inventory"]) / cl), cur(st["lt_loans"] / A), cur(long_liab / (long_liab + E)),
        growth(A), growth(st["fixed_assets"]), growth(R), growth(toc), growth(E / st["shares"]),
        cur(st["independent"]), cur(st["board_hold"]), cur(st["supervisory_hold"]), cur(st["top10"]),
        cur(st["cogs"]) / avg(st["inventory"]), cur(st["cogs"]) / avg(st["payables"]),
        cur(R) / avg(st["receivables"]), cur(st["receivables"] / R), cur(R) / avg(A),
        cur(st["inventory"] / R), cur(R) / avg(E),
        cur(st["ebit"]) / avg(A), cur(st["ebit"] * (1 - TAX_RATE)) / cur(E + st["short_loans"] + st["lt_loans"]),
        cur((R - st["cogs"]) / R), cur(st["net_income"]) / avg(A), cur(st["selling"] / R),
        cur(st["ebit"]) / avg(long_liab + E),
    ]
    return np.stack(cols, axis=-1)


def simulate_panel(companies=700, years=12, first_year=2011, seed=7, fraud_company_share=0.3) -> Panel:
    """`companies` x `years` reported company-years (plus an unreported base year)."""
    rng = np.random.default_rng(seed)
    t = _traits(rng, companies)
    fraud, kind = _fraud_episodes(rng, t, companies, years, fraud_company_share)
    true = _true_statements(rng, t, companies, years, fraud)
    rep = _manipulate(rng, true, fraud, kind, companies, years + 1)
    values = indicators(rep).reshape(-1, len(INDICATOR_COLUMNS))
    ids = np.repeat([f"C{i:04d}" for i in range(companies)], years)
    rows = pd.DataFrame(values, columns=INDICATOR_COLUMNS)
    rows.insert(0, TIME_COLUMN, np.tile(np.arange(first_year, first_year + years), companies))
    rows.insert(0, KEY_COLUMN, ids)
    rows.insert(2, "industry", np.repeat(t["industry"], years))
    rows[LABEL_COLUMN] = fraud[:, 1:].reshape(-1).astype(np.int64)
    rows["fraud_type"] = np.asarray(FRAUD_TYPES)[kind[:, 1:].reshape(-1)]
    return Panel(rows=rows, reported=rep, true=true, fraud=fraud, fraud_type=kind, industry=t["industry"])
