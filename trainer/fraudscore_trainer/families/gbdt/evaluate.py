"""A plain numpy walk of the exported node arrays (the twin of what the core does, for the tests):
margin = base_margin + the reached leaf's value of every tree; at an internal node a missing input
goes to the default child, otherwise x < threshold (in float32) goes left."""
import numpy as np


def margins(arrays, base_margin, inputs):
    """float64 [n] margins of flattened inputs [n, I] (NaN missing) under `arrays` (name -> array,
    with or without the "trees." prefix)."""
    a = {name.split(".", 1)[-1]: np.asarray(v) for name, v in arrays.items()}
    x = np.asarray(inputs, dtype=np.float32)
    rows = np.arange(len(x))
    total = np.full(len(x), float(base_margin))
    first = a["first_node"]
    for k in range(len(first) - 1):
        node = np.full(len(x), first[k], dtype=np.int64)   # global node ids
        for _ in range(first[k + 1] - first[k]):            # never more steps than the tree has nodes
            feature = a["feature"][node]
            inner = feature >= 0
            if not inner.any():
                break
            value = x[rows, np.where(inner, feature, 0)]
            left = np.where(np.isnan(value), a["default_left"][node] == 1, value < a["threshold"][node])
            child = np.where(left, a["left"][node], a["right"][node]) + first[k]
            node = np.where(inner, child, node)
        total += a["value"][node].astype(np.float64)
    return total
