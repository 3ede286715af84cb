"""A PaySim-compatible mobile-money simulator.

Writes the eleven columns of the public PaySim release (Lopez-Rojas et al., 2016) with the same
marginal behaviour, so that the models can be trained and tested at full scale where the real
6,362,620-row file is not available. What it reproduces, and how:

* Time: hourly steps 1..743; legitimate activity follows the release's hour-of-day cycle (almost
  nothing from 03:00 to 07:00) and its uneven days; fraud is spread uniformly over the steps, as
  in the release.
* Accounts persist. Clients (``C`` + digits) make several transactions each over the month;
  "savers" hold large balances and make the CASH_INs (the release's CASH_IN payers have a median
  balance of ~1.5M), "spenders" make most outflows and are often empty (a third of the release's
  outflow rows start from a zero balance): they start with a small balance, receive nothing and
  spend it down. CASH_IN, CASH_OUT and DEBIT go through agents (``C`` accounts that are never
  payers), PAYMENTs go to merchants (``M``), TRANSFERs to savers or agents.
* Types in the release's proportions; amounts per type from gamma (CASH_IN, CASH_OUT, DEBIT,
  PAYMENT) or lognormal (TRANSFER) laws fitted to the legitimate rows of the 3k public sample,
  capped at 10,000,000 like the release.
* Balances: every ``C`` account has one running balance. A payer's new balance is
  ``max(0, old - amount)`` (PaySim lets a payer send more than it holds, and the payee still
  receives the full amount); CASH_IN credits the payer and debits the agent (clipped at 0 the
  same way); other payees are credited. Merchants have no tracked balance: their balance columns
  are 0. Row by row, each ``C`` account's balances chain: the old balance it shows in a row (as
  payer or payee) is the new balance it showed in its previous row.
* Fraud is account takeover: at a uniformly random step a fraudster TRANSFERs a victim's whole
  balance (amount = oldbalanceOrg, newbalanceOrig = 0) to a fresh mule account, which CASH_OUTs
  it in the same step or up to three steps later; both legs have isFraud = 1. A balance above
  10M moves as several TRANSFERs of at most 10M, each with its own CASH_OUT. Victims are picked
  among clients that hold at least 20,000 at that moment.
* Overlap: 0.5% of legitimate TRANSFERs also move a saver's whole balance to a fresh account, so
  "amount == oldbalanceOrg, newbalanceOrig == 0, empty payee" is a strong but imperfect signal.
* isFlaggedFraud: PaySim's stated rule flags transfers above 200,000, but the release flags only
  16 of its 4,097 fraudulent TRANSFERs. Rule implemented: a fraudulent TRANSFER leg above 200,000
  is flagged with the probability that makes the expected flagged share of all fraudulent
  TRANSFER legs 16/4097; nothing else is flagged. Flagged rows still move their balances (the
  release's flagged rows leave the payer's balance unchanged; that quirk is not reproduced).

Not reproduced on purpose: the release almost never reuses a payer name (so it has no per-account
histories); here accounts recur, which is what per-account sequence models need.

All money is computed in integer cents and converted once at the end, so balance identities hold
exactly. Rows are ordered by step, then by a seeded random key: deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fraudscore_trainer.dataset.paysim import PAYSIM_COLUMNS, PAYSIM_TYPES

CASH_IN, CASH_OUT, DEBIT, PAYMENT, TRANSFER = range(5)
assert PAYSIM_TYPES == ("CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER")

# Full release: rows per type and fraud rows per type (order of PAYSIM_TYPES).
RELEASE_TYPE_COUNTS = np.array([1_399_284, 2_237_500, 41_432, 2_151_495, 532_909])
RELEASE_FRAUD_COUNTS = np.array([0, 4_116, 0, 0, 4_097])
LEGIT_TYPE_SHARES = (RELEASE_TYPE_COUNTS - RELEASE_FRAUD_COUNTS) / (
    RELEASE_TYPE_COUNTS - RELEASE_FRAUD_COUNTS
).sum()

# Legitimate rows of the 3k sample per hour of day (step % 24) and per day (step // 24); zero
# counts are floored so no hour or day is impossible, only rare.
HOUR_WEIGHTS = np.array(
    [21, 7, 5, 1, 1, 1, 1, 3, 12, 110, 171, 171, 185, 186, 158, 178, 178, 174, 212, 266, 223, 113, 74, 53],
    dtype=np.float64,
)
DAY_WEIGHTS = np.array(
    [225, 162, 8, 3, 183, 196, 162, 161, 137, 160, 128, 169, 151, 155, 165, 175,
     9, 5, 11, 11, 23, 19, 15, 30, 4, 2, 4, 21, 6, 3, 3],
    dtype=np.float64,
)

CENTS = 100
MAX_AMOUNT_CENTS = 10_000_000 * CENTS
FLAG_THRESHOLD_CENTS = 200_000 * CENTS
FLAGGED_SHARE_OF_FRAUD_TRANSFERS = 16 / 4_097

# Amount laws per type, fitted (maximum likelihood) to the legitimate rows of the 3k sample:
# ("gamma", shape, scale) or ("lognormal", median, sigma).
AMOUNT_LAWS = {
    CASH_IN: ("gamma", 1.36, 127_316.0),
    CASH_OUT: ("gamma", 1.32, 134_361.0),
    DEBIT: ("gamma", 1.14, 2_744.0),
    PAYMENT: ("gamma", 1.06, 12_670.0),
    TRANSFER: ("lognormal", 450_000.0, 1.25),
}

# Population and behaviour; tuned so that the marginals match the 3k sample (see sim_compare).
TX_PER_SAVER = 6.0  # mean legitimate rows a saver originates over the month
TX_PER_SPENDER = 2.5  # mean legitimate rows a spender originates
TX_PER_AGENT = 6.0  # mean rows an agent is the payee of
SAVER_OUTFLOW_SHARE = 0.01  # share of outflow rows (not CASH_IN) made by savers
TRANSFER_TO_SAVER_SHARE = 0.3  # legitimate TRANSFERs paid to a saver (else to an agent)
LEGIT_SWEEP_SHARE = 0.005  # legitimate TRANSFERs that move the saver's whole balance
SAVER_BALANCE = (600_000.0, 1.5, 0.02)  # lognormal median, sigma; share starting empty
SPENDER_BALANCE = (30_000.0, 1.5, 0.05)
AGENT_BALANCE = (200_000.0, 1.5, 0.30)
CASHOUT_DELAY_PROBS = np.array([0.70, 0.15, 0.10, 0.05])  # mule CASH_OUT 0..3 steps later
VICTIM_CANDIDATES = 16  # clients tried per takeover until one holds MIN_VICTIM_BALANCE
VICTIM_SAVER_SHARE = 0.5  # takeovers that target a saver (else a spender)
MIN_VICTIM_BALANCE = 20_000.0
ACTIVITY_SHAPE = 2.0  # gamma shape of per-account activity (lower: busier busy accounts)

_KEY_BITS = 31
_ID_LOW, _ID_HIGH = 1_000_000, 2_147_483_647  # account numbers, like the release's


@dataclass(frozen=True)
class _Population:
    """Account index ranges (one index space for all C accounts) and their starting balances.

    Indices: savers [0, n_savers), spenders [n_savers, n_clients), agents
    [n_clients, fresh_base), fresh mule / sweep accounts from fresh_base on.
    """

    n_savers: int
    n_clients: int
    fresh_base: int
    n_merchants: int
    saver_weights: np.ndarray
    spender_weights: np.ndarray
    agent_weights: np.ndarray
    merchant_weights: np.ndarray
    initial_cents: np.ndarray  # per client and agent


def simulate(n_rows: int, seed: int = 0, fraud_rate: float = 0.0013, n_steps: int = 743) -> pd.DataFrame:
    """Simulate ``n_rows`` PaySim rows; see the module docstring for what is reproduced.

    The row count is exact (the extra legs of split 10M+ transfers replace final legitimate
    PAYMENTs) unless a run is so small or fraud-heavy that it has too few of those to drop.

    ``fraud_rate`` sets the number of takeovers, ``fraud_rate * n_rows / 2`` (two legs each);
    balances above 10M add legs, so the fraud share comes out ~3% above it (0.135% for the
    default; the release has 0.129%). Deterministic for (n_rows, seed, fraud_rate, n_steps).
    """
    if n_rows < 0 or n_steps < 1 or not 0.0 <= fraud_rate <= 1.0:
        raise ValueError("need n_rows >= 0, n_steps >= 1 and 0 <= fraud_rate <= 1")
    rng = np.random.Generator(np.random.PCG64(seed))
    n_takeovers = min(int(round(fraud_rate * n_rows / 2)), n_rows // 2)
    n_legit = n_rows - 2 * n_takeovers
    pop = _make_population(rng, n_legit)
    legit = _draw_legit_rows(rng, pop, n_legit, n_steps, first_chain=n_takeovers)
    fraud = _draw_takeovers(rng, pop, legit, n_takeovers, n_steps)
    rows = _concat(legit, fraud)
    rows = _take(rows, _row_order(rows))
    _apply_client_ledger(rows, pop)
    rows = _split_and_settle_chains(rows, pop)
    rows = _trim(rows, n_rows, pop)
    _apply_agent_ledger(rows, pop)
    _flag(rng, rows)
    return _to_frame(rng, rows, pop)


# --- population ------------------------------------------------------------------------------


def _make_population(rng: np.random.Generator, n_legit: int) -> _Population:
    """Size the account pools from the expected number of rows each pool takes part in."""
    cash_in_share = LEGIT_TYPE_SHARES[CASH_IN]
    saver_rows = n_legit * (cash_in_share + SAVER_OUTFLOW_SHARE * (1 - cash_in_share))
    n_savers = max(2, int(saver_rows / TX_PER_SAVER))
    n_spenders = max(1, int((n_legit - saver_rows) / TX_PER_SPENDER))
    agent_rows = n_legit * (1 - LEGIT_TYPE_SHARES[PAYMENT])
    n_agents = max(1, int(agent_rows / TX_PER_AGENT))
    n_merchants = max(1, int(n_legit * LEGIT_TYPE_SHARES[PAYMENT] / 3))
    initial = np.concatenate(
        [
            _initial_balances(rng, n_savers, SAVER_BALANCE),
            _initial_balances(rng, n_spenders, SPENDER_BALANCE),
            _initial_balances(rng, n_agents, AGENT_BALANCE),
        ]
    )
    n_clients = n_savers + n_spenders
    return _Population(
        n_savers=n_savers,
        n_clients=n_clients,
        fresh_base=n_clients + n_agents,
        n_merchants=n_merchants,
        saver_weights=_activity_weights(rng, n_savers),
        spender_weights=_activity_weights(rng, n_spenders),
        agent_weights=_activity_weights(rng, n_agents),
        merchant_weights=_activity_weights(rng, n_merchants),
        initial_cents=initial,
    )


def _initial_balances(rng: np.random.Generator, n: int, law: tuple) -> np.ndarray:
    median, sigma, empty_share = law
    balance = median * np.exp(sigma * rng.standard_normal(n))
    balance[rng.random(n) < empty_share] = 0.0
    return _to_cents(balance)


def _activity_weights(rng: np.random.Generator, n: int) -> np.ndarray:
    """Gamma-distributed activity levels: some accounts are busier than others."""
    weights = rng.gamma(ACTIVITY_SHAPE, size=n)
    return weights / weights.sum()


def _pick(rng: np.random.Generator, base: int, weights: np.ndarray, size: int) -> np.ndarray:
    return base + rng.choice(len(weights), size=size, p=weights)


# --- legitimate rows -------------------------------------------------------------------------


def _draw_legit_rows(rng: np.random.Generator, pop: _Population, n: int, n_steps: int, first_chain: int) -> dict:
    """Draw types, steps, amounts and counterparties in bulk; return them in row order.

    Sweeps (legitimate whole-balance TRANSFERs) get chain numbers from ``first_chain`` on; their
    amount is only known after the ledger pass.
    """
    types = rng.choice(len(PAYSIM_TYPES), size=n, p=LEGIT_TYPE_SHARES)
    rows = _new_rows(
        step=rng.choice(np.arange(1, n_steps + 1), size=n, p=_step_weights(n_steps)),
        key=rng.integers(0, 1 << _KEY_BITS, size=n),
        type=types,
        amount=_draw_amounts(rng, types),
    )
    rows["sweep"] = (types == TRANSFER) & (rng.random(n) < LEGIT_SWEEP_SHARE)
    rows["orig"] = _draw_payers(rng, pop, types, rows["sweep"])
    rows["dest"] = _draw_payees(rng, pop, types, rows["orig"])
    rows = _take(rows, _row_order(rows))
    sweeps = np.flatnonzero(rows["sweep"])
    rows["chain"][sweeps] = first_chain + np.arange(len(sweeps))
    rows["dest"][sweeps] = pop.fresh_base  # placeholder: numbered per leg when settled
    return rows


def _step_weights(n_steps: int) -> np.ndarray:
    steps = np.arange(1, n_steps + 1)
    weights = HOUR_WEIGHTS[steps % 24] * DAY_WEIGHTS[(steps // 24) % len(DAY_WEIGHTS)]
    return weights / weights.sum()


def _draw_amounts(rng: np.random.Generator, types: np.ndarray) -> np.ndarray:
    amounts = np.empty(len(types))
    for code, (law, a, b) in AMOUNT_LAWS.items():
        mask = types == code
        if law == "gamma":
            amounts[mask] = rng.gamma(a, b, size=mask.sum())
        else:
            amounts[mask] = a * np.exp(b * rng.standard_normal(mask.sum()))
    return np.clip(_to_cents(amounts), 1, MAX_AMOUNT_CENTS)


def _draw_payers(rng: np.random.Generator, pop: _Population, types: np.ndarray, sweep: np.ndarray) -> np.ndarray:
    """CASH_INs and sweeps come from savers, other outflows mostly from spenders."""
    n = len(types)
    by_saver = (types == CASH_IN) | sweep | (rng.random(n) < SAVER_OUTFLOW_SHARE)
    payers = _pick(rng, pop.n_savers, pop.spender_weights, n)
    payers[by_saver] = _pick(rng, 0, pop.saver_weights, by_saver.sum())
    return payers


def _draw_payees(rng: np.random.Generator, pop: _Population, types: np.ndarray, payers: np.ndarray) -> np.ndarray:
    """Agents for cash and debit, merchants (own index space) for PAYMENT, savers or agents for
    TRANSFER (so spenders only spend down); a saver never pays itself."""
    n = len(types)
    payees = _pick(rng, pop.n_clients, pop.agent_weights, n)
    payment = types == PAYMENT
    payees[payment] = _pick(rng, 0, pop.merchant_weights, payment.sum())
    to_saver = (types == TRANSFER) & (rng.random(n) < TRANSFER_TO_SAVER_SHARE)
    savers = rng.integers(0, pop.n_savers, size=to_saver.sum())
    same = savers == payers[to_saver]
    savers[same] = (savers[same] + 1) % pop.n_savers
    payees[to_saver] = savers
    return payees


# --- fraud -----------------------------------------------------------------------------------


def _draw_takeovers(rng: np.random.Generator, pop: _Population, legit: dict, n: int, n_steps: int) -> dict:
    """One TRANSFER (victim -> fresh mule, whole balance) and one mule CASH_OUT per takeover.

    Amounts are placeholders until the ledger pass knows the victim's balance at that moment.
    """
    steps = rng.integers(1, n_steps + 1, size=n)
    keys = rng.integers(0, 1 << _KEY_BITS, size=n)
    chains = np.arange(n)
    transfers = _new_rows(step=steps, key=keys, type=np.full(n, TRANSFER), amount=np.zeros(n, np.int64))
    transfers.update(
        orig=_pick_victims(rng, pop, legit, steps, keys),
        dest=np.full(n, pop.fresh_base),  # placeholder mule: numbered per leg when settled
        sweep=np.ones(n, bool),
        fraud=np.ones(n, np.int64),
        chain=chains,
    )
    out_steps = np.minimum(steps + rng.choice(len(CASHOUT_DELAY_PROBS), size=n, p=CASHOUT_DELAY_PROBS), n_steps)
    same_step = out_steps == steps
    cash_outs = _new_rows(
        step=out_steps,
        key=np.where(same_step, keys, rng.integers(0, 1 << _KEY_BITS, size=n)),
        type=np.full(n, CASH_OUT),
        amount=np.zeros(n, np.int64),
    )
    cash_outs.update(
        sub=same_step.astype(np.int64),  # right after its TRANSFER when in the same step
        orig=np.full(n, pop.fresh_base),
        dest=_pick(rng, pop.n_clients, pop.agent_weights, n),
        fraud=np.ones(n, np.int64),
        chain=chains,
    )
    return _concat(transfers, cash_outs)


def _pick_victims(rng: np.random.Generator, pop: _Population, legit: dict, steps: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each takeover, the first of a few random clients holding at least
    MIN_VICTIM_BALANCE at that moment (fraudsters skip near-empty accounts).

    Balances come from a ledger pass over the legitimate rows only; an earlier takeover can empty
    an account in the final pass, which then settles the transfer exactly (possibly as 0).
    """
    n = len(steps)
    savers = rng.integers(0, pop.n_savers, size=(n, VICTIM_CANDIDATES))
    spenders = rng.integers(pop.n_savers, pop.n_clients, size=(n, VICTIM_CANDIDATES))
    candidates = np.where(rng.random((n, 1)) < VICTIM_SAVER_SHARE, savers, spenders)
    position = np.searchsorted(_sort_keys(legit), _compose(steps, keys), side="right")
    balance = _client_balances_before(pop, legit, candidates, position[:, None])
    choice = np.argmax(balance >= MIN_VICTIM_BALANCE * CENTS, axis=1)  # 0 when none does
    return candidates[np.arange(n), choice]


def _client_balances_before(pop: _Population, legit: dict, accounts: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Balance of each client in ``accounts`` just before legitimate row ``position``."""
    entries = _client_entries(legit, pop)
    _, after = _ledger(entries, pop.initial_cents)
    order = np.lexsort((entries["time"], entries["account"]))
    span = 2 * len(legit["step"]) + 2
    # A sentinel entry (account -1) keeps the "previous entry" lookup in bounds.
    entry_accounts = np.r_[-1, entries["account"][order]]
    entry_after = np.r_[0, after[order]]
    previous = np.searchsorted(entry_accounts * span + np.r_[0, entries["time"][order]], accounts * span + 2 * position) - 1
    known = entry_accounts[previous] == accounts
    return np.where(known, entry_after[previous], pop.initial_cents[accounts])


# --- ledgers ---------------------------------------------------------------------------------


def _ledger(entries: dict, initial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Balances before and after each entry of a set of accounts, in entry order.

    ``entries`` has per entry: account, time (chronological order), delta (signed cents) and
    sweep (the entry takes the whole balance, leaving 0). The rule new = max(0, old + delta) is
    a Lindley recursion; its closed form new_n = S_n - min(0, min_k<=n S_k), with S the running
    sum from the starting balance, turns the per-account loop into a cumulative sum and a
    cumulative minimum per segment (a sweep ends a segment; the next starts from 0).
    """
    order = np.lexsort((entries["time"], entries["account"]))
    account = entries["account"][order]
    sweep = entries["sweep"][order]
    delta = np.where(sweep, 0, entries["delta"][order])
    first = np.ones(len(account), bool)
    first[1:] = account[1:] != account[:-1]
    seg_start = first.copy()
    seg_start[1:] |= sweep[:-1]
    segment = np.cumsum(seg_start) - 1
    start = np.where(first, initial[account], 0)[seg_start]
    running = np.cumsum(delta)
    sums = start[segment] + running - (running - delta)[seg_start][segment]
    lowest = pd.Series(sums).groupby(segment).cummin().to_numpy()
    after = sums - np.minimum(lowest, 0)
    before = np.empty_like(after)
    before[1:] = after[:-1]
    before[seg_start] = start
    after = np.where(sweep, 0, after)
    old, new = np.empty_like(before), np.empty_like(after)
    old[order], new[order] = before, after
    return old, new


def _client_entries(rows: dict, pop: _Population) -> dict:
    """Ledger entries of the clients: each row's payer side (if a client) and payee side (if a
    client, i.e. a TRANSFER to a client). Time 2i for payer, 2i+1 for payee of row i."""
    index = np.arange(len(rows["step"]))
    payer = rows["orig"] < pop.n_clients
    payee = (rows["type"] != PAYMENT) & (rows["dest"] < pop.n_clients)
    signed = np.where(rows["type"] == CASH_IN, rows["amount"], -rows["amount"])
    return {
        "account": np.concatenate([rows["orig"][payer], rows["dest"][payee]]),
        "time": np.concatenate([2 * index[payer], 2 * index[payee] + 1]),
        "delta": np.concatenate([signed[payer], rows["amount"][payee]]),
        "sweep": np.concatenate([rows["sweep"][payer], np.zeros(payee.sum(), bool)]),
        "row": np.concatenate([index[payer], index[payee]]),
        "is_payer": np.concatenate([np.ones(payer.sum(), bool), np.zeros(payee.sum(), bool)]),
    }


def _apply_client_ledger(rows: dict, pop: _Population) -> None:
    """Fill the client sides' balances; a sweep's amount becomes the payer's whole balance."""
    entries = _client_entries(rows, pop)
    old, new = _ledger(entries, pop.initial_cents)
    _write_sides(rows, entries, old, new)
    rows["amount"][rows["sweep"]] = rows["old_o"][rows["sweep"]]


def _apply_agent_ledger(rows: dict, pop: _Population) -> None:
    """Agents are payees only: CASH_IN debits them (clipped at 0), other payments credit them."""
    index = np.arange(len(rows["step"]))
    payee = (rows["type"] != PAYMENT) & (rows["dest"] >= pop.n_clients) & (rows["dest"] < pop.fresh_base)
    entries = {
        "account": rows["dest"][payee],
        "time": index[payee],
        "delta": np.where(rows["type"][payee] == CASH_IN, -rows["amount"][payee], rows["amount"][payee]),
        "sweep": np.zeros(payee.sum(), bool),
        "row": index[payee],
        "is_payer": np.zeros(payee.sum(), bool),
    }
    old, new = _ledger(entries, pop.initial_cents)
    _write_sides(rows, entries, old, new)


def _write_sides(rows: dict, entries: dict, old: np.ndarray, new: np.ndarray) -> None:
    payer = entries["is_payer"]
    rows["old_o"][entries["row"][payer]] = old[payer]
    rows["new_o"][entries["row"][payer]] = new[payer]
    rows["old_d"][entries["row"][~payer]] = old[~payer]
    rows["new_d"][entries["row"][~payer]] = new[~payer]


def _split_and_settle_chains(rows: dict, pop: _Population) -> dict:
    """Split whole-balance transfers above 10M into legs of at most 10M and settle every leg.

    Each chain row (a whole-balance TRANSFER and, for fraud, its mule CASH_OUT) is repeated in
    place once per leg, so legs stay adjacent and in row order. Each leg goes to its own fresh
    account, which starts empty and, for fraud, CASH_OUTs exactly what it received: like the
    release, where every fraud TRANSFER's payee is empty and every fraud CASH_OUT empties its
    payer. The victim's balance steps down by 10M per leg and ends at 0.
    """
    chain = rows["chain"]
    in_chain = chain >= 0
    whole_by_chain = np.zeros(chain.max(initial=0) + 1, np.int64)  # never empty: safe to index
    transfer = in_chain & (rows["type"] == TRANSFER)
    whole_by_chain[chain[transfer]] = rows["amount"][transfer]
    legs_by_chain = np.maximum(1, -(-whole_by_chain // MAX_AMOUNT_CENTS))
    first_leg_id = np.cumsum(legs_by_chain) - legs_by_chain
    legs = np.where(in_chain, legs_by_chain[np.maximum(chain, 0)], 1)
    rows = _take(rows, np.repeat(np.arange(len(legs)), legs))
    chain, in_chain = rows["chain"], rows["chain"] >= 0
    leg = np.arange(len(chain)) - np.repeat(np.cumsum(legs) - legs, legs)
    whole = np.where(in_chain, whole_by_chain[np.maximum(chain, 0)], 0)
    moved = leg * MAX_AMOUNT_CENTS
    amount = np.minimum(MAX_AMOUNT_CENTS, whole - moved)
    fresh = pop.fresh_base + np.where(in_chain, first_leg_id[np.maximum(chain, 0)] + leg, 0)
    transfer = in_chain & (rows["type"] == TRANSFER)
    cash_out = in_chain & (rows["type"] == CASH_OUT)
    rows["amount"] = np.where(in_chain, amount, rows["amount"])
    rows["dest"] = np.where(transfer, fresh, rows["dest"])
    rows["orig"] = np.where(cash_out, fresh, rows["orig"])
    rows["old_o"] = np.where(transfer, whole - moved, np.where(cash_out, amount, rows["old_o"]))
    rows["new_o"] = np.where(transfer, whole - moved - amount, np.where(cash_out, 0, rows["new_o"]))
    rows["old_d"] = np.where(transfer, 0, rows["old_d"])
    rows["new_d"] = np.where(transfer, amount, rows["new_d"])
    return rows


def _trim(rows: dict, n_rows: int, pop: _Population) -> dict:
    """Drop the rows added by splitting, so that exactly n_rows remain.

    Only legitimate PAYMENTs that are their payer's last ledger entry are dropped: their payee is
    a merchant, so no other row's balance depended on them.
    """
    extra = len(rows["step"]) - n_rows
    if extra <= 0:
        return rows
    entries = _client_entries(rows, pop)
    last = np.full(pop.n_clients, -1)
    np.maximum.at(last, entries["account"], entries["row"])
    payments = np.flatnonzero((rows["type"] == PAYMENT) & (rows["fraud"] == 0))
    droppable = payments[last[rows["orig"][payments]] == payments]
    keep = np.ones(len(rows["step"]), bool)
    keep[droppable[-extra:]] = False
    return _take(rows, keep)


def _flag(rng: np.random.Generator, rows: dict) -> None:
    """isFlaggedFraud: see the module docstring for the rule and its calibration."""
    fraud_transfer = (rows["fraud"] == 1) & (rows["type"] == TRANSFER)
    eligible = fraud_transfer & (rows["amount"] > FLAG_THRESHOLD_CENTS)
    if eligible.any():
        p = min(1.0, FLAGGED_SHARE_OF_FRAUD_TRANSFERS * fraud_transfer.sum() / eligible.sum())
        rows["flagged"] = (eligible & (rng.random(len(eligible)) < p)).astype(np.int64)


# --- row tables ------------------------------------------------------------------------------


def _new_rows(step, key, type, amount) -> dict:
    """A column table (dict of equal-length arrays) with defaults for the derived columns."""
    n = len(step)
    zeros = np.zeros(n, np.int64)
    return {
        "step": np.asarray(step, np.int64),
        "key": np.asarray(key, np.int64),
        "sub": zeros.copy(),
        "type": np.asarray(type, np.int64),
        "amount": np.asarray(amount, np.int64),
        "orig": zeros.copy(),
        "dest": zeros.copy(),
        "sweep": np.zeros(n, bool),
        "fraud": zeros.copy(),
        "flagged": zeros.copy(),
        "chain": np.full(n, -1, np.int64),
        "old_o": zeros.copy(),
        "new_o": zeros.copy(),
        "old_d": zeros.copy(),
        "new_d": zeros.copy(),
    }


def _take(rows: dict, index: np.ndarray) -> dict:
    return {name: column[index] for name, column in rows.items()}


def _concat(*tables: dict) -> dict:
    return {name: np.concatenate([t[name] for t in tables]) for name in tables[0]}


def _compose(steps: np.ndarray, keys: np.ndarray) -> np.ndarray:
    return (steps << _KEY_BITS) | keys


def _sort_keys(rows: dict) -> np.ndarray:
    return _compose(rows["step"], rows["key"])


def _row_order(rows: dict) -> np.ndarray:
    """Stable order by (step, key, sub): the within-step order is the seeded random key."""
    return np.lexsort((rows["sub"], rows["key"], rows["step"]))


def _to_cents(values: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(values) * CENTS).astype(np.int64)


def _to_frame(rng: np.random.Generator, rows: dict, pop: _Population) -> pd.DataFrame:
    """Name the accounts with unique random numbers and build the PaySim columns."""
    payment = rows["type"] == PAYMENT
    n_accounts = max(pop.fresh_base, rows["orig"].max(initial=0) + 1, rows["dest"][~payment].max(initial=0) + 1)
    numbers = rng.choice(_ID_HIGH - _ID_LOW, size=n_accounts + pop.n_merchants, replace=False) + _ID_LOW
    c_names = np.array(["C%d" % number for number in numbers[:n_accounts]], dtype=object)
    m_names = np.array(["M%d" % number for number in numbers[n_accounts:]], dtype=object)
    dest = c_names[np.where(payment, 0, rows["dest"])]
    dest[payment] = m_names[rows["dest"][payment]]
    frame = pd.DataFrame(
        {
            "step": rows["step"],
            "type": np.array(PAYSIM_TYPES, dtype=object)[rows["type"]],
            "amount": rows["amount"] / CENTS,
            "nameOrig": c_names[rows["orig"]],
            "oldbalanceOrg": rows["old_o"] / CENTS,
            "newbalanceOrig": rows["new_o"] / CENTS,
            "nameDest": dest,
            "oldbalanceDest": rows["old_d"] / CENTS,
            "newbalanceDest": rows["new_d"] / CENTS,
            "isFraud": rows["fraud"],
            "isFlaggedFraud": rows["flagged"],
        }
    )
    return frame[PAYSIM_COLUMNS]
