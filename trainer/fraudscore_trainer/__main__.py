"""Command line: python3 -m fraudscore_trainer {simulate,build,validation-curve,...} ..."""
import argparse
import sys
import time
from pathlib import Path
from fraudscore_trainer.paths import REPO



def _build(args, defaults):
    if args.description:
        from fraudscore_trainer import own_data
        return own_data.main_build(args, defaults)
    stray = [o for o in ("family", "out", "name", "max_rows", "force", "threshold")
             if getattr(args, o) != defaults[o]]
    if stray:
        raise SystemExit(f"fraudscore-train: error: --{stray[0].replace('_', '-')} needs --description (a dataset "
                         "description of your data; `describe` drafts one)")
    import tempfile
    from fraudscore_trainer.families.crnn.paysim_build import build_variant
    from fraudscore_trainer.dataset.paysim import fingerprint, load_paysim
    from fraudscore_trainer.dataset.simulators.paysim import simulate
    from fraudscore_trainer.families.crnn.variants import VARIANTS
    started = time.time()
    if args.data:
        df = load_paysim(args.data)
        fp = fingerprint(args.data)
        description = f"Real PaySim file `{Path(args.data).name}`: {len(df):,} rows, {int(df.isFraud.sum()):,} fraud."
    else:
        df = simulate(args.simulate_rows, seed=args.seed, fraud_rate=args.sim_fraud_rate)
        with tempfile.NamedTemporaryFile(suffix=".csv") as tmp:
            df.to_csv(tmp.name, index=False)
            fp = fingerprint(tmp.name)
        description = (f"Simulated by the trainer's PaySim-compatible simulator (`paysim_sim`, seed {args.seed}): "
                       f"{len(df):,} rows, {int(df.isFraud.sum()):,} fraud ({df.isFraud.mean():.3%}).")
    print(f"data: {description}", flush=True)
    for variant in (VARIANTS if args.variant == "all" else [args.variant or "paper"]):
        build_variant(df, variant, args, description, fp, log=lambda m: print(m, flush=True))
    print(f"done in {time.time() - started:.0f} s", flush=True)


def _example(args):
    from fraudscore_trainer.dataset.example import example_rows
    df = example_rows()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out, index=False)
    print(f"wrote {args.out}: {len(df)} rows, {int(df.isFraud.sum())} fraud")


def _describe(args):
    from fraudscore_trainer.dataset import DescriptionError
    from fraudscore_trainer.dataset.describe import draft
    try:
        text = draft(args.data, label=args.label, key=args.key, time=args.time)
    except DescriptionError as e:
        raise SystemExit(f"fraudscore-train: error: {e}")
    sys.stdout.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fraudscore-train", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("describe", help="draft a dataset description (TOML) of a CSV file, for you to edit")
    d.add_argument("data", help="a CSV file (may be .gz)")
    d.add_argument("--label", help="the label column (fraud or not), if its name does not say so")
    d.add_argument("--key", help="the key column (card, account, customer) whose history forms the window")
    d.add_argument("--time", help="the time column that orders rows")
    d.set_defaults(func=_describe)
    b = sub.add_parser("build", help="train, evaluate and export a model: from a dataset description "
                       "(--description, --family, --out, --name), or the UPI Sentinel paper's PaySim crnn (--variant)")
    from fraudscore_trainer import own_data
    own_data.add_arguments(b)
    b.add_argument("--variant", choices=["paper", "on-device", "all"], default=None,
                   help="without --description (default paper): the paper's crnn on every PaySim column in a global window, under "
                   "the honest and the paper's protocol (models/crnn-paper.*); on-device: the same recipe on the "
                   "inputs of descriptions/paysim_on_device.toml, for comparison (the shipped crnn-on-device is "
                   "built from that description)")
    src = b.add_mutually_exclusive_group()
    src.add_argument("--data", help="a real PaySim CSV (the public release's columns); with --description, a "
                     "file in the description's schema read instead of its [data] files")
    src.add_argument("--simulate-rows", type=int, default=1_000_000, help="simulate this many rows (default)")
    b.add_argument("--seed", type=int, default=7)
    b.add_argument("--sim-fraud-rate", type=float, default=0.0013, help="takeover rate of simulated data")
    b.add_argument("--epochs", type=int, default=10, help="most epochs of the shipped (honest) model")
    b.add_argument("--paper-epochs", type=int, default=None, help="most epochs of the paper-protocol run "
                   "(default: --epochs)")
    b.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: all cores)")
    b.add_argument("--max-windows", type=int, default=100_000, help="size of the balanced training subset")
    b.add_argument("--window", type=int, default=10)
    b.add_argument("--skip-paper-protocol", action="store_true", help="train only the honest (shipped) model")
    b.add_argument("--real-sample", default=str(REPO.parent / "shared/data/paysim_sample_3k.csv"),
                   help="real PaySim rows to score and report (skipped if absent)")
    b.add_argument("--models-dir", default=str(REPO / "models"))
    b.add_argument("--golden-dir", default=str(REPO / "tests/golden"))
    b.add_argument("--reports-dir", default=str(REPO / "models/reports"))
    b.add_argument("--checkpoints", default=str(REPO / "build/checkpoints"),
                   help="resumable per-epoch checkpoints ('' to disable; build --description keeps them only "
                   "when this is given: a rerun of the same build resumes, or only evaluates and exports again)")
    b.add_argument("--no-progress", action="store_true")
    b.add_argument("--signing-key", help="sign the model files with this Ed25519 key file (see `sign`)")
    b.set_defaults(func=lambda a: _build(a, {x.dest: x.default for x in b._actions}))
    from fraudscore_trainer import simulate as simulator
    s = sub.add_parser("simulate", help="write simulated data: PaySim-compatible payments (default), SME payments or "
                       "listed companies' years")
    simulator.add_arguments(s)
    s.set_defaults(func=simulator.run)
    e = sub.add_parser("example", help="write the example transaction file (examples/transactions.csv)")
    e.add_argument("--out", default=str(REPO / "examples/transactions.csv"))
    e.set_defaults(func=_example)
    # The other two model families: each module adds its own options.
    for command, module, text in (
            ("build-lstm-attn", "families.lstm_attn.sme_build", "simulate SME payments, train, evaluate and export lstm_attn-sme"),
            ("build-lle-svm", "families.lle_svm.listed_build", "simulate listed companies, train, evaluate and export lle_svm-listed"),
            ("validation-curve", "families.crnn.validation_curve", "regenerate a shipped crnn model's validation curve (JSON and "
             "model card section) without retraining")):
        p = sub.add_parser(command, help=text)
        mod = __import__(f"fraudscore_trainer.{module}", fromlist=["add_arguments", "run"])
        mod.add_arguments(p)
        if command.startswith("build-"):
            p.add_argument("--signing-key", help="sign the model file with this Ed25519 key file (see `sign`)")
        p.set_defaults(func=mod.run)
    from fraudscore_trainer.modelfile import quantize, signing
    q = sub.add_parser("quantize", help="narrow a model file's weight matrices to float16 or int8 (schema 1.5)")
    quantize.add_arguments(q)
    q.set_defaults(func=quantize.run)
    from fraudscore_trainer.evaluation import narrowing
    n = sub.add_parser("narrowing-report", help="score labelled CSVs with a model at float32, float16 and int8, "
                       "side by side (sizes, ROC-AUC, PR-AUC)")
    narrowing.add_arguments(n)
    n.set_defaults(func=narrowing.run)
    g = sub.add_parser("sign", help="sign model files with an Ed25519 key (keeps earlier signatures: key rotation)")
    signing.add_arguments(g)
    g.set_defaults(func=signing.run)
    k = sub.add_parser("keygen", help="make an Ed25519 key pair for signing model files")
    signing.add_keygen_arguments(k)
    k.set_defaults(func=signing.run_keygen)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
