#!/usr/bin/python3
"""Export a crnn .fsmodel's network to ONNX, for the side-by-side benchmark.

The graph computes what core/src/networks/crnn.cpp computes, with the same
weights (read from the model file's tensors):

  windows [B, T, F] float32, valid_steps [B] int64 (real rows at the end of
  each window) -> logit [B] (pre-sigmoid), attention [B, T]

  causal Conv1D (pads [K-1, 0]) + ReLU -> bidirectional LSTM -> additive
  attention v . tanh(W h_t + b), padded steps masked to -1e9 before the
  softmax -> Gemm(128) + ReLU -> Gemm(1).

With --check JSON it also writes windows (some padded) with the logits and
attention of the trainer's PyTorch model loaded with the same weights, which
`peers/ort_crnn.mjs --check` compares with ONNX Runtime's.

With --weights-json JSON it also writes the model file's dims and tensors
as they are (PyTorch's names, shapes and gate order i, f, g, o) for peers
that build the network from layers (peers/tfjs_crnn.mjs):

  {"format": "fraudscore-crnn-weights/1", "dims": {steps, features, ...},
   "tensors": {name: {"shape": [...], "dtype": "float32",
                      "base64": little-endian float32 bytes, row-major}}}

Usage: /usr/bin/python3 bench/export_onnx.py MODEL.fsmodel OUT.onnx [--check OUT.json]
                                             [--weights-json OUT.json]
"""
import argparse
import base64
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "trainer"))
from fraudscore_trainer.modelfile import schema_gen
from fraudscore_trainer.modelfile import signing

OPSET = 17
MASKED_SCORE = -1e9
CHECK_WINDOWS = 64
CHECK_SEED = 7


def read_fsmodel(path):
    """Return (dims, tensors): the crnn hyper-parameters and {name: float32 array}."""
    generated = schema_gen.submodule("Model")
    body = generated.ModelT.InitFromObj(generated.Model.GetRootAs(signing.model_bytes(path), 0)).body
    arch = body.architecture
    dims = dict(steps=body.spec.window.length, features=len(body.spec.features), conv_filters=arch.convFilters,
                conv_kernel=arch.convKernel, lstm_hidden=arch.lstmHidden, attention_dim=arch.attentionDim,
                dense_units=arch.denseUnits)
    tensors = {}
    for t in body.tensors:
        name = t.name.decode() if isinstance(t.name, bytes) else t.name
        tensors[name] = np.array(t.f32, dtype=np.float32).reshape([int(s) for s in t.shape])
    return dims, tensors


def pytorch_gates_to_onnx(w):
    """PyTorch stacks the LSTM gates i, f, g, o along axis 0; ONNX wants i, o, f, c (c = g)."""
    i, f, g, o = np.split(w, 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def build_graph(dims, t):
    T, K, H = dims["steps"], dims["conv_kernel"], dims["lstm_hidden"]
    gates = pytorch_gates_to_onnx
    lstm_w = np.stack([gates(t["lstm.weight_ih_l0"]), gates(t["lstm.weight_ih_l0_reverse"])])
    lstm_r = np.stack([gates(t["lstm.weight_hh_l0"]), gates(t["lstm.weight_hh_l0_reverse"])])
    lstm_b = np.stack([np.concatenate([gates(t["lstm.bias_ih_l0"]), gates(t["lstm.bias_hh_l0"])]),
                       np.concatenate([gates(t["lstm.bias_ih_l0_reverse"]), gates(t["lstm.bias_hh_l0_reverse"])])])
    constants = {
        "conv_w": t["conv.weight"], "conv_b": t["conv.bias"],
        "lstm_w": lstm_w, "lstm_r": lstm_r, "lstm_b": lstm_b,
        "bi_hidden_shape": np.array([0, 0, 2 * H], dtype=np.int64),
        "attention_w_t": np.ascontiguousarray(t["attention.proj.weight"].T), "attention_b": t["attention.proj.bias"],
        "attention_v_t": np.ascontiguousarray(t["attention.score.weight"].T),
        "fc1_w": t["head.fc1.weight"], "fc1_b": t["head.fc1.bias"],
        "fc2_w": t["head.fc2.weight"], "fc2_b": t["head.fc2.bias"],
        "steps": np.array(T, dtype=np.int64),
        "step_index": np.arange(T, dtype=np.int64)[None, :],
        "masked_score": np.array(MASKED_SCORE, dtype=np.float32),
        "axis_1": np.array([1], dtype=np.int64), "axis_2": np.array([2], dtype=np.int64),
    }
    initializers = [numpy_helper.from_array(np.ascontiguousarray(v), name) for name, v in constants.items()]
    n = helper.make_node
    nodes = [
        # causal Conv1D + ReLU: [B, T, F] -> [B, F, T] -> [B, C, T]
        n("Transpose", ["windows"], ["windows_bft"], perm=[0, 2, 1]),
        n("Conv", ["windows_bft", "conv_w", "conv_b"], ["conv"], kernel_shape=[K], pads=[K - 1, 0]),
        n("Relu", ["conv"], ["conv_relu"]),
        # BiLSTM over every step (padded ones too, as the core and PyTorch do): Y [T, 2, B, H] -> [B, T, 2H]
        n("Transpose", ["conv_relu"], ["lstm_x"], perm=[2, 0, 1]),
        n("LSTM", ["lstm_x", "lstm_w", "lstm_r", "lstm_b"], ["lstm_y"], hidden_size=H, direction="bidirectional"),
        n("Transpose", ["lstm_y"], ["lstm_y_bt"], perm=[2, 0, 1, 3]),
        n("Reshape", ["lstm_y_bt", "bi_hidden_shape"], ["hidden"]),
        # additive attention: score_t = v . tanh(W h_t + b), padded steps (index < T - valid) masked
        n("MatMul", ["hidden", "attention_w_t"], ["projected"]),
        n("Add", ["projected", "attention_b"], ["projected_b"]),
        n("Tanh", ["projected_b"], ["projected_tanh"]),
        n("MatMul", ["projected_tanh", "attention_v_t"], ["scores_3d"]),
        n("Squeeze", ["scores_3d", "axis_2"], ["scores"]),
        n("Sub", ["steps", "valid_steps"], ["padded_steps"]),
        n("Unsqueeze", ["padded_steps", "axis_1"], ["padded_steps_col"]),
        n("Less", ["step_index", "padded_steps_col"], ["is_padded"]),
        n("Where", ["is_padded", "masked_score", "scores"], ["masked_scores"]),
        n("Softmax", ["masked_scores"], ["attention"], axis=1),
        n("Unsqueeze", ["attention", "axis_1"], ["attention_row"]),
        n("MatMul", ["attention_row", "hidden"], ["context_3d"]),
        n("Squeeze", ["context_3d", "axis_1"], ["context"]),
        # head
        n("Gemm", ["context", "fc1_w", "fc1_b"], ["fc1"], transB=1),
        n("Relu", ["fc1"], ["fc1_relu"]),
        n("Gemm", ["fc1_relu", "fc2_w", "fc2_b"], ["logit_col"], transB=1),
        n("Squeeze", ["logit_col", "axis_1"], ["logit"]),
    ]
    graph = helper.make_graph(
        nodes, "crnn",
        inputs=[helper.make_tensor_value_info("windows", TensorProto.FLOAT, ["batch", T, dims["features"]]),
                helper.make_tensor_value_info("valid_steps", TensorProto.INT64, ["batch"])],
        outputs=[helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["batch"]),
                 helper.make_tensor_value_info("attention", TensorProto.FLOAT, ["batch", T])],
        initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="fraudscore-bench")
    model.ir_version = 8  # readable by every ONNX Runtime since 1.10
    onnx.checker.check_model(model, full_check=True)
    return model


def check_cases(dims, tensors):
    """Random windows (left-padded with zeros like the core's) and the PyTorch model's outputs."""
    import torch
    from fraudscore_trainer.families.crnn.network import Crnn

    net = Crnn(dims["features"], **{k: v for k, v in dims.items() if k not in ("steps", "features")})
    net.load_state_dict({name: torch.from_numpy(value) for name, value in tensors.items()}, strict=True)
    net.eval()
    T, F = dims["steps"], dims["features"]
    rng = np.random.default_rng(CHECK_SEED)
    windows = rng.standard_normal((CHECK_WINDOWS, T, F)).astype(np.float32)
    valid = rng.integers(1, T + 1, CHECK_WINDOWS)
    valid[: CHECK_WINDOWS // 4] = T  # a quarter full windows
    for w, v in zip(windows, valid):
        w[: T - v] = 0.0
    with torch.no_grad():
        logit, attention = net(torch.from_numpy(windows), torch.from_numpy(valid))
    return {"shape": [CHECK_WINDOWS, T, F], "windows": windows.ravel().tolist(), "valid_steps": valid.tolist(),
            "logit": logit.numpy().astype(float).tolist(), "attention": attention.numpy().ravel().astype(float).tolist()}


def weights_json(dims, tensors):
    """The dims and tensors (unconverted) as JSON text, each tensor as base64 little-endian float32."""
    return json.dumps({
        "format": "fraudscore-crnn-weights/1",
        "dims": dims,
        "tensors": {name: {"shape": list(value.shape), "dtype": "float32",
                           "base64": base64.b64encode(np.ascontiguousarray(value, dtype="<f4").tobytes()).decode()}
                    for name, value in tensors.items()},
    })


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a crnn .fsmodel file")
    parser.add_argument("onnx", help="the ONNX file to write")
    parser.add_argument("--check", metavar="JSON", help="also write check windows with PyTorch's outputs")
    parser.add_argument("--weights-json", metavar="JSON", help="also write the dims and tensors as JSON")
    args = parser.parse_args()
    dims, tensors = read_fsmodel(args.model)
    onnx.save(build_graph(dims, tensors), args.onnx)
    if args.check:
        Path(args.check).write_text(json.dumps(check_cases(dims, tensors)))
    if args.weights_json:
        Path(args.weights_json).write_text(weights_json(dims, tensors))
    print(json.dumps({"onnx": args.onnx, **dims}))


if __name__ == "__main__":
    main()
