"""Compare the simulator's marginal statistics with a real PaySim file.

The simulator stands in for the full PaySim release in training and tests, so its report states
how far it is from real data instead of claiming it is the same: type mix, amount distributions,
the balance signatures that make PaySim fraud detectable, and where fraud sits by type.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from fraudscore_trainer.dataset.paysim import PAYSIM_TYPES, load_paysim  # noqa: E402
from fraudscore_trainer.dataset.simulators.paysim import RELEASE_TYPE_COUNTS, simulate  # noqa: E402

QUANTILES = (0.1, 0.5, 0.9)
CURVE_PROBABILITIES = tuple(np.round(np.arange(0.02, 0.99, 0.02), 2))
FRAUD_TYPES = ("TRANSFER", "CASH_OUT")


def compare(sim_df: pd.DataFrame, real_df: pd.DataFrame) -> dict:
    """Marginal statistics of both frames: ``{"sim": {...}, "real": {...}}`` (JSON-ready)."""
    return {"sim": _marginals(sim_df), "real": _marginals(real_df)}


def _marginals(df: pd.DataFrame) -> dict:
    fraud = df["isFraud"] == 1
    legit_rows, fraud_rows = df[~fraud], df[fraud]
    payments = df[df["type"] == "PAYMENT"]
    return {
        "rows": int(len(df)),
        "fraud_rows": int(fraud.sum()),
        "type_share": _per_type(df["type"].value_counts(normalize=True)),
        "legit_type_share": _per_type(legit_rows["type"].value_counts(normalize=True)),
        "amount_quantiles": {
            "legit": _amount_quantiles(legit_rows, QUANTILES),
            "fraud": _amount_quantiles(fraud_rows, QUANTILES),
        },
        "log10_amount_curves": {
            "legit": _amount_quantiles(legit_rows, CURVE_PROBABILITIES, log10=True),
            "fraud": _amount_quantiles(fraud_rows, CURVE_PROBABILITIES, log10=True),
        },
        "fraud_whole_balance_share": _share(
            (fraud_rows["amount"] == fraud_rows["oldbalanceOrg"]) & (fraud_rows["newbalanceOrig"] == 0)
        ),
        "zero_old_balance_share": {
            "legit": _share(legit_rows["oldbalanceOrg"] == 0),
            "fraud": _share(fraud_rows["oldbalanceOrg"] == 0),
        },
        "legit_zero_old_balance_share_by_type": _per_type(
            (legit_rows["oldbalanceOrg"] == 0).groupby(legit_rows["type"]).mean()
        ),
        "payment_zero_dest_share": _share(
            (payments["oldbalanceDest"] == 0) & (payments["newbalanceDest"] == 0)
        ),
        "fraud_share_by_type": _per_type(df["isFraud"].groupby(df["type"]).mean()),
    }


def _per_type(values: pd.Series) -> dict:
    return {name: float(values.get(name, 0.0)) for name in PAYSIM_TYPES}


def _share(mask: pd.Series) -> float | None:
    return float(mask.mean()) if len(mask) else None


def _amount_quantiles(df: pd.DataFrame, probabilities, log10: bool = False) -> dict:
    """Per type present in ``df``: amount quantiles (log10 of max(amount, 1) when asked)."""
    out = {}
    for name, amounts in df.groupby("type")["amount"]:
        values = np.log10(np.maximum(amounts.to_numpy(), 1.0)) if log10 else amounts.to_numpy()
        out[name] = [float(q) for q in np.quantile(values, probabilities)]
    return out


# --- report ----------------------------------------------------------------------------------


def write_markdown(stats: dict, path_md, path_png) -> None:
    """Write the Markdown section and its figure; the section links the figure by file name."""
    path_md, path_png = Path(path_md), Path(path_png)
    _plot_amount_curves(stats, path_png)
    path_md.write_text(_markdown(stats, path_png.name), encoding="utf-8")


def _markdown(stats: dict, png_name: str) -> str:
    sim, real = stats["sim"], stats["real"]
    lines = [
        "## Simulator vs real PaySim sample",
        "",
        f"Simulated rows: {sim['rows']:,} ({sim['fraud_rows']:,} fraud). "
        f"Real rows: {real['rows']:,} ({real['fraud_rows']:,} fraud).",
        "",
        "The real sample over-represents fraud (500 of its 3,000 rows, against 0.13% in the full "
        "release), so fraud prevalence, the all-rows type mix and the fraud share per type are "
        "not comparable between the two columns; the type mix of legitimate rows and the "
        "amount and balance statistics, computed separately for legitimate and fraud rows, are.",
        "",
        "### Type mix (share of rows)",
        "",
        *_table(
            ["type", "sim, all rows", "real, all rows", "sim, legitimate", "real, legitimate", "full release"],
            [
                [t, _pct(sim["type_share"][t]), _pct(real["type_share"][t]),
                 _pct(sim["legit_type_share"][t]), _pct(real["legit_type_share"][t]), _pct(release)]
                for t, release in zip(PAYSIM_TYPES, RELEASE_TYPE_COUNTS / RELEASE_TYPE_COUNTS.sum())
            ],
        ),
        "",
        "### Amount quantiles, legitimate rows (10% / 50% / 90%)",
        "",
        *_quantile_table(sim, real, "legit", PAYSIM_TYPES),
        "",
        "### Amount quantiles, fraud rows (10% / 50% / 90%)",
        "",
        *_quantile_table(sim, real, "fraud", FRAUD_TYPES),
        "",
        "### Balance signatures",
        "",
        *_table(
            ["statistic", "sim", "real"],
            [
                ["fraud rows with amount = oldbalanceOrg and newbalanceOrig = 0",
                 _pct(sim["fraud_whole_balance_share"]), _pct(real["fraud_whole_balance_share"])],
                ["legitimate rows with oldbalanceOrg = 0",
                 _pct(sim["zero_old_balance_share"]["legit"]), _pct(real["zero_old_balance_share"]["legit"])],
                ["fraud rows with oldbalanceOrg = 0",
                 _pct(sim["zero_old_balance_share"]["fraud"]), _pct(real["zero_old_balance_share"]["fraud"])],
                ["PAYMENT rows with zero payee balances (merchants)",
                 _pct(sim["payment_zero_dest_share"]), _pct(real["payment_zero_dest_share"])],
                *[[f"legitimate {t} rows with oldbalanceOrg = 0",
                   _pct(sim["legit_zero_old_balance_share_by_type"][t]),
                   _pct(real["legit_zero_old_balance_share_by_type"][t])] for t in PAYSIM_TYPES],
            ],
        ),
        "",
        "### Fraud share per type (not comparable: the real sample is fraud-enriched)",
        "",
        *_table(
            ["type", "sim", "real"],
            [[t, _pct(sim["fraud_share_by_type"][t], 3), _pct(real["fraud_share_by_type"][t], 3)] for t in PAYSIM_TYPES],
        ),
        "",
        f"![log10 amount quantiles per type, simulator vs real]({png_name})",
        "",
    ]
    return "\n".join(lines)


def _quantile_table(sim: dict, real: dict, group: str, types) -> list[str]:
    rows = []
    for name in types:
        cells = [_quantile_cell(source["amount_quantiles"][group].get(name)) for source in (sim, real)]
        rows.append([name, *cells])
    return _table(["type", "sim", "real"], rows)


def _quantile_cell(values) -> str:
    return " / ".join(f"{v:,.0f}" for v in values) if values else "n/a"


def _pct(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f}%"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _plot_amount_curves(stats: dict, path_png: Path) -> None:
    """One panel per type: log10 amount against quantile level, sim vs real, legit and fraud."""
    figure, axes = plt.subplots(1, len(PAYSIM_TYPES), figsize=(4 * len(PAYSIM_TYPES), 3.6), sharey=True)
    styles = {("sim", "legit"): ("tab:blue", "-"), ("real", "legit"): ("tab:orange", "-"),
              ("sim", "fraud"): ("tab:blue", ":"), ("real", "fraud"): ("tab:orange", ":")}
    for axis, name in zip(axes, PAYSIM_TYPES):
        for (source, group), (colour, line) in styles.items():
            curve = stats[source]["log10_amount_curves"][group].get(name)
            if curve:
                axis.plot(CURVE_PROBABILITIES, curve, color=colour, linestyle=line, label=f"{source} {group}")
        axis.set_title(name)
        axis.set_xlabel("quantile level")
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("log10 amount")
    axes[-1].legend(loc="lower right", fontsize="small")
    figure.suptitle("Amount distributions per type: simulator vs real PaySim sample")
    figure.tight_layout()
    figure.savefig(path_png, dpi=110)
    plt.close(figure)


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare the PaySim simulator with a real PaySim file.")
    parser.add_argument("--real", required=True, help="real PaySim CSV (sample or full release)")
    parser.add_argument("--rows", type=int, default=200_000, help="rows to simulate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args(argv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stats = compare(simulate(args.rows, seed=args.seed), load_paysim(args.real))
    path_md, path_png = out_dir / "simulator_vs_real.md", out_dir / "simulator_vs_real.png"
    write_markdown(stats, path_md, path_png)
    print(f"wrote {path_md} and {path_png}")


if __name__ == "__main__":
    main()
