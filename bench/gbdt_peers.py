#!/usr/bin/python3
"""A gbdt .fsmodel's trees for the peers of bench/run_gbdt_side_by_side.sh, their parity checks, and
XGBoost's own timings.

  gbdt_peers.py export MODEL.fsmodel DUMP_DIR OUT_DIR
      Reads the model file's tree arrays (trees.first_node/left/right/feature/default_left/threshold/
      value/cover, GbdtConfig; schemas/README.md "### gbdt") and writes
        OUT_DIR/booster.json   the same ensemble as an XGBoost 1.7 JSON model (binary:logistic)
        OUT_DIR/gbdt.onnx      the same ensemble as ai.onnx.ml TreeEnsembleRegressor (output: the margin)
        OUT_DIR/inputs.f32     the prepared windows of DUMP_DIR flattened to [n, T * F] float32, every
                               input of a padded step NaN (missing), as schemas/README.md defines them
        OUT_DIR/margins.f32    fraudscore's margins on them (DUMP_DIR/logits.f32, for the ONNX check)
        OUT_DIR/tolerance.f64  the largest margin difference allowed per window (1e-5, or more where a
                               float32 sum of many trees may differ by more; see below)
        OUT_DIR/check.json     the parity checks' figures
      DUMP_DIR is what `FRAUDSCORE_BENCH_DUMP=DUMP_DIR fraudscore_bench` wrote: the windows a fresh
      fraudscore session built from real rows, the core network's margins and its TreeSHAP attribution.
      Then loads booster.json with xgboost.Booster(model_file=...) and checks, before anything is
      timed, that
        - XGBoost reaches the core's leaves: the leaves it reports (pred_leaf) summed in double, as the
          core sums, give the core's margin exactly (after both round to float32);
        - its margins (inplace_predict and predict(output_margin=True)) equal the core's within 1e-5, or
          within the error bound of XGBoost's float32 sum of the trees where that is larger (hundreds of
          trees and margins of -10 give about 1e-5; the core sums in double);
        - its pred_contribs equal the core's TreeSHAP attribution, and its bias column the core's bias
          (base_margin + each tree's cover-weighted mean), within 1e-5.
      Exits 1 if any check fails; the script then prints no speed figures.

  gbdt_peers.py time-xgboost OUT_DIR [--seconds S] [--warmup-s S]
      XGBoost's predictor on one thread on OUT_DIR/inputs.f32: batch-1 and batch-256 margins by
      inplace_predict and by predict(DMatrix, output_margin=True) (the DMatrix built in each call:
      predict on a DMatrix it has seen returns XGBoost's cached predictions without walking a tree),
      and pred_contribs one window a call (its 1-row DMatrix made beforehand; contributions are not
      cached) and 256 windows a call. Prints one JSON object.

XGBoost's own JSON is written from the file's arrays: nodes keep the file's (breadth-first) order,
leaf values go to split_conditions (what XGBoost predicts with) and base_weights, covers to
sum_hessian (TreeSHAP's weights), parents are rebuilt, loss_changes are 0 (not stored; prediction
and pred_contribs never read them), and base_score is sigmoid(base_margin) printed as the float32 the
trainer stored (XGBoost 1.7 keeps base_score as a probability and starts predictions from its logit).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "trainer"))
from fraudscore_trainer.modelfile import schema_gen  # noqa: E402
from fraudscore_trainer.modelfile import signing  # noqa: E402

TOLERANCE = 1e-5
LARGE_BATCH = 256
NODE_ARRAYS = ("first_node", "left", "right", "feature", "default_left", "threshold", "value", "cover")
INT_ARRAYS = ("first_node", "left", "right", "feature", "default_left")


def _text(b):
    return b.decode() if isinstance(b, bytes) else b


def read_gbdt(path):
    """The file's window, GbdtConfig and node arrays (numpy, as stored)."""
    for name in ("Model", "GbdtConfig", "ModelKind"):
        schema_gen.submodule(name)
    generated = schema_gen.submodule("Model")
    body = generated.ModelT.InitFromObj(generated.Model.GetRootAs(signing.model_bytes(path), 0)).body
    if body.kind != schema_gen.submodule("ModelKind").ModelKind.Gbdt:
        raise SystemExit(f"gbdt_peers: {path} is not a gbdt model")
    tensors = {}
    for t in body.tensors:
        name = _text(t.name)
        if name.startswith("trees."):
            short = name[len("trees."):]
            tensors[short] = np.asarray(t.i32 if short in INT_ARRAYS else t.f32,
                                        dtype=np.int32 if short in INT_ARRAYS else np.float32)
    missing = [n for n in NODE_ARRAYS if n not in tensors]
    if missing:
        raise SystemExit(f"gbdt_peers: {path} lacks trees.{', trees.'.join(missing)}")
    arch = body.architecture
    return dict(name=_text(body.name), steps=body.spec.window.length, features=len(body.spec.features),
                trees=int(arch.trees), max_depth=int(arch.maxDepth), base_margin=float(arch.baseMargin), **tensors)


def tree_slices(g):
    first = g["first_node"]
    return [slice(int(first[k]), int(first[k + 1])) for k in range(len(first) - 1)]


def base_score_text(base_margin):
    """XGBoost's base_score (a probability) whose logit is base_margin: the trainer stored
    logit(float32 base_score) in double, so the float32 nearest sigmoid(base_margin) is that base_score.
    Written as that float32's shortest decimal (at most 9 significant digits): XGBoost 1.7.4's loader
    silently reads a longer one, e.g. repr() of the double "0.10857461392879486", as its default 0.5."""
    return np.format_float_scientific(np.float32(1.0 / (1.0 + np.exp(-base_margin))), unique=True)


def xgboost_model(g):
    """The ensemble in XGBoost 1.7's JSON model format."""
    inputs = g["steps"] * g["features"]
    trees = []
    for k, s in enumerate(tree_slices(g)):
        left, right = g["left"][s].tolist(), g["right"][s].tolist()
        n = len(left)
        leaf = [child < 0 for child in left]
        parents = [2147483647] * n
        for node in range(n):
            if not leaf[node]:
                parents[left[node]] = parents[right[node]] = node
        value = g["value"][s].tolist()
        trees.append({
            "base_weights": [v if is_leaf else 0.0 for v, is_leaf in zip(value, leaf)],
            "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
            "default_left": [int(d) for d in g["default_left"][s].tolist()],
            "id": k,
            "left_children": left,
            "loss_changes": [0.0] * n,
            "parents": parents,
            "right_children": right,
            "split_conditions": [v if is_leaf else t for v, t, is_leaf in zip(value, g["threshold"][s].tolist(), leaf)],
            "split_indices": [0 if is_leaf else f for f, is_leaf in zip(g["feature"][s].tolist(), leaf)],
            "split_type": [0] * n,
            "sum_hessian": g["cover"][s].tolist(),
            "tree_param": {"num_deleted": "0", "num_feature": str(inputs), "num_nodes": str(n),
                           "size_leaf_vector": "0"},
        })
    return {
        "learner": {
            "attributes": {},
            "feature_names": [], "feature_types": [],
            "gradient_booster": {
                "model": {"gbtree_model_param": {"num_parallel_tree": "1", "num_trees": str(len(trees)),
                                                 "size_leaf_vector": "0"},
                          "tree_info": [0] * len(trees), "trees": trees},
                "name": "gbtree",
            },
            "learner_model_param": {"base_score": base_score_text(g["base_margin"]), "boost_from_average": "0",
                                    "num_class": "0", "num_feature": str(inputs), "num_target": "1"},
            "objective": {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}},
        },
        "version": [1, 7, 4],
    }


def tree_means(g):
    """Each tree's cover-weighted mean leaf (XGBoost's node mean of the root), in double."""
    means = []
    for s in tree_slices(g):
        left, right, value, cover = g["left"][s], g["right"][s], g["value"][s], g["cover"][s].astype(np.float64)
        mean = np.zeros(len(left))
        for node in range(len(left) - 1, -1, -1):  # children come after their parent
            l, r = left[node], right[node]
            mean[node] = value[node] if l < 0 else (mean[l] * cover[l] + mean[r] * cover[r]) / cover[node]
        means.append(mean[0])
    return np.asarray(means)


def onnx_model(g):
    """ai.onnx.ml TreeEnsembleRegressor (opset 3): input `inputs` [N, T * F] float32, NaN = missing;
    output `margin` [N, 1] = base_values + the reached leaves, aggregate SUM, no post transform."""
    import onnx
    from onnx import TensorProto, helper

    attrs = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
                             "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true",
                             "target_treeids", "target_nodeids", "target_ids", "target_weights")}
    for k, s in enumerate(tree_slices(g)):
        for node, (l, r, f, d, t, v) in enumerate(zip(*(g[a][s].tolist() for a in (
                "left", "right", "feature", "default_left", "threshold", "value")))):
            leaf = l < 0
            attrs["nodes_treeids"].append(k)
            attrs["nodes_nodeids"].append(node)
            attrs["nodes_featureids"].append(0 if leaf else f)
            attrs["nodes_values"].append(0.0 if leaf else t)
            attrs["nodes_modes"].append("LEAF" if leaf else "BRANCH_LT")   # x < threshold: the true branch, left
            attrs["nodes_truenodeids"].append(0 if leaf else l)
            attrs["nodes_falsenodeids"].append(0 if leaf else r)
            attrs["nodes_missing_value_tracks_true"].append(0 if leaf else d)
            if leaf:
                attrs["target_treeids"].append(k)
                attrs["target_nodeids"].append(node)
                attrs["target_ids"].append(0)
                attrs["target_weights"].append(v)
    inputs = g["steps"] * g["features"]
    node = helper.make_node("TreeEnsembleRegressor", ["inputs"], ["margin"], domain="ai.onnx.ml", n_targets=1,
                            aggregate_function="SUM", post_transform="NONE", base_values=[g["base_margin"]],
                            **attrs)
    graph = helper.make_graph([node], "fraudscore_gbdt",
                              [helper.make_tensor_value_info("inputs", TensorProto.FLOAT, ["batch", inputs])],
                              [helper.make_tensor_value_info("margin", TensorProto.FLOAT, ["batch", 1])])
    model = helper.make_model(graph, producer_name="fraudscore bench/gbdt_peers.py",
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    onnx.checker.check_model(model)
    return model


def read_dump(dump):
    meta = json.loads((dump / "meta.json").read_text())
    n, steps, features = meta["windows"], meta["steps"], meta["features"]
    windows = np.fromfile(dump / "windows.f32", dtype="<f4").reshape(n, steps, features)
    valid = np.fromfile(dump / "valid_steps.u32", dtype="<u4")
    logits = np.fromfile(dump / "logits.f32", dtype="<f4")
    attribution = np.fromfile(dump / "attribution.f64", dtype="<f8").reshape(n, steps * features)
    return meta, windows, valid, logits, attribution


def flattened(windows, valid):
    """[n, T * F] float32 with every input of a padded step (the first T - valid steps) NaN."""
    flat = windows.copy()
    flat[np.arange(windows.shape[1])[None, :] < (windows.shape[1] - valid.astype(np.int64))[:, None]] = np.nan
    return flat.reshape(len(windows), -1)


def worst(got, want):
    """(max |got - want|, index of the worst entry as a tuple)."""
    diff = np.abs(np.asarray(got, np.float64) - np.asarray(want, np.float64))
    at = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return float(diff[at]), tuple(int(i) for i in at)


def export(args):
    import xgboost

    g = read_gbdt(args.model)
    meta, windows, valid, logits, attribution = read_dump(Path(args.dump))
    if (meta["steps"], meta["features"]) != (g["steps"], g["features"]):
        raise SystemExit("gbdt_peers: the dumped windows are not this model's")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not np.isfinite(windows).all():   # the core refuses non-finite features: only padding is missing
        raise SystemExit("gbdt_peers: a dumped window holds a non-finite value")
    flat = flattened(windows, valid)
    flat.astype("<f4").tofile(out / "inputs.f32")
    logits.astype("<f4").tofile(out / "margins.f32")

    (out / "booster.json").write_text(json.dumps(xgboost_model(g)))
    booster = xgboost.Booster(model_file=str(out / "booster.json"))
    booster.set_param({"nthread": 1})
    inplace = booster.inplace_predict(flat, predict_type="margin", missing=np.nan)
    matrix = xgboost.DMatrix(flat, missing=np.nan, nthread=1)
    margin = booster.predict(matrix, output_margin=True)
    contribs = booster.predict(matrix, pred_contribs=True)   # [n, T * F + 1]: the bias last
    bias = g["base_margin"] + tree_means(g).sum()

    n, trees = len(flat), len(g["first_node"]) - 1
    # XGBoost's tree walks, exactly: the leaf it reaches in every tree (pred_leaf), summed in double in the
    # core's order (base_margin, then tree by tree) and rounded to float32, must be the core's margin.
    leaves = booster.predict(matrix, pred_leaf=True).astype(np.int64).reshape(n, trees)
    reached = g["first_node"][:-1].astype(np.int64)[None, :] + leaves
    if not (g["left"][reached] < 0).all():
        raise SystemExit("gbdt_peers: XGBoost's pred_leaf names a node that is not a leaf of the model file")
    leaf_values = g["value"][reached].astype(np.float64)
    walked = np.full(n, g["base_margin"])
    for k in range(trees):
        walked += leaf_values[:, k]
    # XGBoost and ONNX Runtime add the trees' leaves in float32, the core in double: over many trees their
    # margins may differ by more than 1e-5 with the same leaves. Allowed: 1e-5, or where more is possible,
    # the bound of a float32 sum of the base and K leaves in any order ((K + 1) u sum|x|, u = 2^-24) plus
    # the core's own rounding to float32.
    summation_bound = (trees + 1) * 2.0 ** -24 * (abs(g["base_margin"]) + np.abs(leaf_values).sum(axis=1))
    tolerance = np.maximum(TOLERANCE, summation_bound + 0.5 * np.spacing(np.abs(logits)).astype(np.float64))
    tolerance.astype("<f8").tofile(out / "tolerance.f64")

    def say(name, at, got, want, who="XGBoost"):
        w = at[0]
        print(f"gbdt_peers: {name}: window {w} (valid_steps {int(valid[w])}"
              + (f", input {at[1]} = step {at[1] // g['features']} feature {at[1] % g['features']}"
                 if len(at) > 1 else "")
              + f"): {who} {float(np.asarray(got)[at]):.9g}, fraudscore {float(np.asarray(want)[at]):.9g}",
              file=sys.stderr)

    checks = {}
    off = np.flatnonzero(walked.astype(np.float32) != logits)
    checks["xgboost_leaves"] = {"windows_differing": int(len(off)), "ok": len(off) == 0,
                                "max_abs_diff": worst(walked.astype(np.float32), logits)[0]}
    if len(off):
        say("xgboost_leaves (XGBoost's reached leaves, summed in double)", (int(off[0]),), walked, logits)
    for name, got in (("xgboost_inplace_margin", inplace), ("xgboost_predict_margin", margin)):
        diff = np.abs(np.asarray(got, np.float64) - logits)
        d, at = worst(got, logits)
        bad = np.flatnonzero(diff > tolerance)
        checks[name] = {"max_abs_diff": d, "worst": list(at), "windows_over_1e-5": int((diff > TOLERANCE).sum()),
                        "max_tolerance": float(tolerance.max()), "ok": len(bad) == 0}
        if len(bad):
            say(name, (int(bad[0]),), got, logits)
    for name, got, want in (("xgboost_pred_contribs", contribs[:, :-1], attribution),
                            ("xgboost_bias", contribs[:, -1], np.full(n, bias))):
        d, at = worst(got, want)
        checks[name] = {"max_abs_diff": d, "worst": list(at), "ok": d <= TOLERANCE}
        if d > TOLERANCE:
            say(name, at, got, want)
    # For information: each one's attributions plus bias against the margin.
    checks["xgboost_contribs_sum"] = dict(zip(("max_abs_diff", "worst"),
                                              worst(contribs.sum(axis=1, dtype=np.float64), logits)))
    checks["core_contribs_sum"] = dict(zip(("max_abs_diff", "worst"), worst(attribution.sum(axis=1) + bias, logits)))

    import onnx
    onnx.save(onnx_model(g), str(out / "gbdt.onnx"))
    report = {
        "model": str(args.model), "name": g["name"], "trees": int(len(g["first_node"]) - 1),
        "nodes": int(len(g["left"])), "leaves": int((g["left"] < 0).sum()), "max_depth": g["max_depth"],
        "steps": g["steps"], "features": g["features"], "base_margin": g["base_margin"], "bias": float(bias),
        "windows": int(len(flat)), "rows": meta["rows"],
        "valid_steps_histogram": {int(k): int(v) for k, v in zip(*np.unique(valid, return_counts=True))},
        "missing_inputs_share": float(np.isnan(flat).mean()),
        "xgboost": xgboost.__version__, "onnx": onnx.__version__, "tolerance": TOLERANCE, "checks": checks,
    }
    (out / "check.json").write_text(json.dumps(report, indent=2))
    failed = [k for k, c in checks.items() if c.get("ok") is False]
    if failed:
        print(f"gbdt_peers: XGBoost differs from fraudscore (failed: {', '.join(failed)}; see check.json)",
              file=sys.stderr)
        return 1
    return 0


def time_calls(fn, calls_args, seconds, warmup_s, per_call_times):
    """Run fn over calls_args in turn for `warmup_s`, then for `seconds`: (calls, wall s, cpu s, per-call s)."""
    end = time.perf_counter() + warmup_s
    i = 0
    while time.perf_counter() < end:
        fn(calls_args[i % len(calls_args)])
        i += 1
    times = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    end = wall0 + seconds
    calls = 0
    while True:
        start = time.perf_counter()
        fn(calls_args[calls % len(calls_args)])
        stop = time.perf_counter()
        if per_call_times:
            times.append(stop - start)
        calls += 1
        if stop >= end:
            break
    return calls, time.perf_counter() - wall0, time.process_time() - cpu0, times


def summary(calls, wall, cpu, times, batch):
    out = {"calls": calls, "windows": calls * batch, "windows_per_s": calls * batch / wall,
           "windows_per_cpu_s": calls * batch / cpu, "mean_us_per_window": wall / (calls * batch) * 1e6}
    if times:
        times = np.sort(np.asarray(times))
        out.update(p50_us=float(times[int(0.5 * len(times))] * 1e6),
                   p99_us=float(times[min(len(times) - 1, int(0.99 * len(times)))] * 1e6))
    return out


def time_xgboost(args):
    import xgboost

    out = Path(args.out)
    report = json.loads((out / "check.json").read_text())
    inputs = report["steps"] * report["features"]
    flat = np.fromfile(out / "inputs.f32", dtype="<f4").reshape(-1, inputs)
    booster = xgboost.Booster(model_file=str(out / "booster.json"))
    booster.set_param({"nthread": 1})
    singles = [np.ascontiguousarray(flat[i:i + 1]) for i in range(len(flat))]
    batches = [np.ascontiguousarray(flat[i:i + LARGE_BATCH]) for i in range(0, len(flat) - LARGE_BATCH + 1, LARGE_BATCH)]
    single_matrices = [xgboost.DMatrix(x, missing=np.nan, nthread=1) for x in singles]
    batch_matrices = [xgboost.DMatrix(x, missing=np.nan, nthread=1) for x in batches]

    def inplace(x):
        return booster.inplace_predict(x, predict_type="margin", missing=np.nan)

    def predict(x):
        return booster.predict(xgboost.DMatrix(x, missing=np.nan, nthread=1), output_margin=True)

    def contribs(m):
        return booster.predict(m, pred_contribs=True)

    s, w = args.seconds, args.warmup_s
    result = {"runtime": f"xgboost {xgboost.__version__}", "python": sys.version.split()[0], "threads": 1,
              "windows": len(flat), "batch": LARGE_BATCH}
    result["inplace_batch1"] = summary(*time_calls(inplace, singles, s, w, True), 1)
    result["inplace_batch256"] = summary(*time_calls(inplace, batches, s, w, False), LARGE_BATCH)
    result["predict_batch1"] = summary(*time_calls(predict, singles, s, w, True), 1)
    result["predict_batch256"] = summary(*time_calls(predict, batches, s, w, False), LARGE_BATCH)
    result["contribs_batch1"] = summary(*time_calls(contribs, single_matrices, s, w, True), 1)
    result["contribs_batch256"] = summary(*time_calls(contribs, batch_matrices, s, w, False), LARGE_BATCH)
    print(json.dumps(result, indent=2))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export")
    e.add_argument("model")
    e.add_argument("dump")
    e.add_argument("out")
    t = sub.add_parser("time-xgboost")
    t.add_argument("out")
    t.add_argument("--seconds", type=float, default=3.0)
    t.add_argument("--warmup-s", type=float, default=1.0)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return export(args) if args.command == "export" else time_xgboost(args)


if __name__ == "__main__":
    sys.exit(main())
