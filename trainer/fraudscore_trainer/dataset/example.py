"""The example transaction file shipped in examples/: a few hundred simulated
PaySim rows, in step order, of some ordinary accounts and of accounts taken
over (with their mules' cash-outs), so both windows and fraud show."""
import numpy as np

from fraudscore_trainer.dataset.simulators.paysim import simulate


def example_rows(rows=200_000, seed=11, accounts=60, victims=4):
    df = simulate(rows, seed=seed)
    rng = np.random.default_rng(seed)
    fraud = df[df.isFraud == 1]
    victim_ids = list(dict.fromkeys(fraud[fraud.type == "TRANSFER"].nameOrig))[:victims]
    mules = set(fraud[fraud.nameOrig.isin(victim_ids)].nameDest)
    counts = df.nameOrig.value_counts()
    regular = rng.choice(counts[counts >= 4].index.to_numpy(), size=accounts, replace=False)
    keep = df.nameOrig.isin(set(victim_ids) | mules | set(regular))
    return df[keep].reset_index(drop=True)
