"""`fraudscore-train simulate`: write the data a shipped model was trained on, as a CSV its
description in `descriptions/` reads."""
import time

DATASETS = ("paysim", "sme_payments", "listed_companies")


def add_arguments(parser) -> None:
    parser.add_argument("--dataset", choices=DATASETS, default="paysim",
                        help="paysim: payments (descriptions/paysim_on_device.toml); sme_payments: SMEs' payments "
                             "(descriptions/sme_payments.toml); listed_companies: company-years "
                             "(descriptions/listed_companies.toml)")
    parser.add_argument("--out", required=True, help="output CSV path")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", type=int, help="paysim: number of rows to write (required)")
    parser.add_argument("--fraud-rate", type=float, default=0.0013, help="paysim: share of fraud rows")
    parser.add_argument("--steps", type=int, default=743, help="paysim: number of hourly steps")
    parser.add_argument("--enterprises", type=int, default=1500, help="sme_payments: enterprises (the paper: 7,500)")
    parser.add_argument("--drift-day", type=float, help="sme_payments: behaviour drifts from this day on")
    parser.add_argument("--companies", type=int, default=700, help="listed_companies: companies")
    parser.add_argument("--years", type=int, default=12, help="listed_companies: reported years per company")


def _frame(args):
    if args.dataset == "paysim":
        if not args.rows or args.rows < 1:
            raise SystemExit("fraudscore-train: error: simulate --dataset paysim needs --rows N")
        from fraudscore_trainer.dataset.simulators.paysim import simulate
        frame = simulate(args.rows, seed=args.seed, fraud_rate=args.fraud_rate, n_steps=args.steps)
        return frame, f"{len(frame)} rows ({int(frame['isFraud'].sum())} fraud)"
    if args.dataset == "sme_payments":
        from fraudscore_trainer.dataset.simulators.sme_payments import simulate
        frame = simulate(args.enterprises, seed=args.seed, drift_day=args.drift_day)
        return frame, (f"{len(frame):,} payments of {args.enterprises:,} enterprises ({frame.is_anomaly.mean():.2%} "
                       f"anomalous, {frame.risk_label.mean():.2%} before distress)")
    from fraudscore_trainer.families.lle_svm.listed_sim import simulate_panel
    frame = simulate_panel(args.companies, args.years, seed=args.seed).rows
    return frame, f"{len(frame):,} company-years of {args.companies:,} companies ({frame.is_fraud.mean():.2%} fraudulent)"


def run(args) -> None:
    started = time.perf_counter()
    frame, what = _frame(args)
    frame.to_csv(args.out, index=False)
    print(f"wrote {what} to {args.out} in {time.perf_counter() - started:.1f} s")
