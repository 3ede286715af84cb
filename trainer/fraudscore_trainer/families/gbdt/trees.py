"""A booster's trees as the model file's flat node arrays (schemas/model.fbs, GbdtConfig).

Every tree's nodes are renumbered breadth first from its root (children after their parent, pruned
nodes dropped) and all trees' nodes concatenated, N in all; tree k's node n is entry
first_node[k] + n. Internal node: `feature` (input index), `threshold` (x < threshold goes left),
`default_left` (where a missing input goes), `left`/`right` (tree-local); a leaf has feature -1,
children -1 and its `value` (already scaled by the learning rate). `cover` is each node's hessian
sum, which TreeSHAP weighs the unvisited branches by.
"""
import json

import numpy as np


class ExportError(ValueError):
    """A booster this file format cannot hold (a categorical split, a multi-output model)."""


def booster_json(booster) -> dict:
    return json.loads(bytes(booster.save_raw("json")))


def base_margin(model: dict) -> float:
    """The ensemble's bias in margin (logit) units: logit(base_score) for binary:logistic (XGBoost 1.7
    stores base_score as a probability; its predictions start from this margin)."""
    learner = model["learner"]
    objective = learner["objective"]["name"]
    if objective != "binary:logistic":
        raise ExportError(f"gbdt exports binary:logistic boosters, not {objective}")
    p = float(np.float32(float(learner["learner_model_param"]["base_score"])))
    return float(np.log(p) - np.log1p(-p))


def _tree_nodes(tree: dict, inputs: int):
    """(nodes in breadth-first order as old ids, new id of each old id, depth of each new node)."""
    left, right = tree["left_children"], tree["right_children"]
    order, depth, new_id = [0], [0], {0: 0}
    i = 0
    while i < len(order):
        node = order[i]
        if left[node] != -1:
            if tree["split_type"] and tree["split_type"][node] != 0:
                raise ExportError("the booster has a categorical split; gbdt files hold numeric splits only")
            if not 0 <= tree["split_indices"][node] < inputs:
                raise ExportError(f"a split reads input {tree['split_indices'][node]} of {inputs}")
            for child in (left[node], right[node]):
                new_id[child] = len(order)
                order.append(child)
                depth.append(depth[i] + 1)
        i += 1
    return order, new_id, depth


def tree_arrays(booster, inputs: int) -> dict:
    """The node arrays (numpy, as stored), plus trees, max_depth, base_margin and leaves."""
    model = booster_json(booster)
    gb = model["learner"]["gradient_booster"]
    if gb["name"] != "gbtree":
        raise ExportError(f"gbdt exports tree boosters, not {gb['name']}")
    if int(model["learner"]["learner_model_param"].get("num_class", "0")) > 1:
        raise ExportError("gbdt exports a single binary output")
    trees = gb["model"]["trees"]
    columns = {k: [] for k in ("left", "right", "feature", "default_left", "threshold", "value", "cover")}
    first, deepest, leaves = [0], 0, 0
    for tree in trees:
        order, new_id, depth = _tree_nodes(tree, inputs)
        for n, old in enumerate(order):
            leaf = tree["left_children"][old] == -1
            leaves += leaf
            if leaf:
                deepest = max(deepest, depth[n])
            columns["left"].append(-1 if leaf else new_id[tree["left_children"][old]])
            columns["right"].append(-1 if leaf else new_id[tree["right_children"][old]])
            columns["feature"].append(-1 if leaf else tree["split_indices"][old])
            columns["default_left"].append(0 if leaf else int(tree["default_left"][old]))
            # A leaf's split_condition is its value (learning rate applied); base_weights lacks the rate.
            columns["threshold"].append(0.0 if leaf else tree["split_conditions"][old])
            columns["value"].append(tree["split_conditions"][old] if leaf else 0.0)
            columns["cover"].append(tree["sum_hessian"][old])
        first.append(first[-1] + len(order))
    out = {"first_node": np.asarray(first, np.int32)}
    for name, values in columns.items():
        out[name] = np.asarray(values, np.float32 if name in ("threshold", "value", "cover") else np.int32)
    out.update(trees=len(trees), max_depth=deepest, base_margin=base_margin(model), leaves=leaves)
    return out
