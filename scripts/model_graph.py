"""Graph surgery for the bundled model, run by `build_model.py` inside its build venv.

`simplify` rewrites the shape plumbing torch.onnx exports (no arithmetic node or weight changes);
`check_identical` proves the result gives the same numbers, bit for bit, on real texts.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def simplify(source: Path, target: Path) -> tuple[int, int]:
    """Replace the export's shape plumbing by constants; every arithmetic node and weight stays.

    torch.onnx computes each attention reshape's target at run time (Shape, Gather, Unsqueeze,
    Concat) and builds an SDPA-style (batch, 1, tokens, tokens) mask from index arithmetic: about
    half of the nodes ONNX Runtime ran per call, each with a fixed cost. Per layer:
    - the head split (query, key, value) and merge reshapes get constant targets [0, 0, -1, 32]
      and [0, 0, -1] (0 copies batch and tokens); the reshape of the heads' output to the shape
      it already has goes;
    - the additive mask is one (batch, 1, 1, tokens) tensor, Where(attention_mask, 0, -inf),
      which each layer's Add broadcasts to the same numbers the 4-D mask held;
    - the guard that turns NaN attention weights into 0 goes: NaN only comes from a row whose
      keys are all masked, a text without a single token, and every text has [CLS] and [SEP];
    - the query, key and value projections of the same quantised input run as one int8 matmul
      (`merged_projections`).
    Returns the file's node counts before and after; fails if the graph is not the one
    torch.onnx exported (e.g. simplified already).
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    producer = {output: node for node in graph.node for output in node.output}

    def constant(name: str):  # type: ignore[no-untyped-def]
        node = producer.get(name)
        if node is None or node.op_type != "Constant":
            return None
        return numpy_helper.to_array(node.attribute[0].t)

    def target_pieces(reshape) -> list[int | None]:  # type: ignore[no-untyped-def]
        concat = producer.get(reshape.input[1])
        if concat is None or concat.op_type != "Concat":
            raise SystemExit(
                f"{reshape.name}: target is not built at run time; simplified already?"
            )
        pieces = [constant(name) for name in concat.input]
        return [None if piece is None else int(piece.reshape(-1)[0]) for piece in pieces]

    def only(pattern: str, op_type: str) -> list:  # type: ignore[type-arg]
        nodes = [n for n in graph.node if n.op_type == op_type and n.name.endswith(pattern)]
        if len(nodes) != 6:
            raise SystemExit(f"expected 6 layers' {pattern} ({op_type}), found {len(nodes)}")
        return nodes

    renamed: dict[str, str] = {}
    split = merge = None
    for suffix in ("", "_1", "_2"):  # query, key, value: (b, t, 384) to (b, t, heads, 32)
        for node in only(f"/attention/self/Reshape{suffix}", "Reshape"):
            batch, tokens, heads, width = target_pieces(node)
            assert batch is None and tokens is None and heads == -1 and width, node.name
            split = [0, 0, -1, width]
            node.input[1] = "heads_split_shape"
    for node in only("/attention/self/Reshape_3", "Reshape"):  # (b, h, t, w) to (b, -1, t, w)
        assert target_pieces(node) == [None, -1, None, None], node.name  # read off the input
        renamed[node.output[0]] = node.input[0]
    for node in only("/attention/self/Reshape_4", "Reshape"):  # (b, t, heads, 32) to (b, t, 384)
        batch, tokens, width = target_pieces(node)
        assert batch is None and tokens is None and width == -1, node.name
        merge = [0, 0, -1]
        node.input[1] = "heads_merged_shape"
    for node in only("/attention/self/Where_1", "Where"):  # Where(IsNaN(p), 0, p)
        assert producer[node.input[0]].op_type == "IsNaN", node.name
        assert producer[node.input[0]].input[0] == node.input[2], node.name
        renamed[node.output[0]] = node.input[2]
    masks = only("/attention/self/Where", "Where")
    keep, drop = constant(masks[0].input[1]), constant(masks[0].input[2])
    assert keep is not None and drop is not None and float(drop[0]) == -np.inf
    for node in masks:
        assert np.array_equal(constant(node.input[1]), keep), node.name
        assert np.array_equal(constant(node.input[2]), drop), node.name
        renamed[node.output[0]] = "additive_mask"
    (cast,) = [n for n in graph.node if n.op_type == "Cast" and n.input[0] == "attention_mask"]
    assert cast.attribute[0].i == onnx.TensorProto.BOOL
    mask_nodes = [
        helper.make_node("Unsqueeze", [cast.output[0], "mask_axes"], ["key_mask"], "key_mask"),
        helper.make_node(
            "Where", ["key_mask", "mask_keep", "mask_drop"], ["additive_mask"], "additive_mask"
        ),
    ]
    for node in graph.node:
        for index, name in enumerate(node.input):
            node.input[index] = renamed.get(name, name)
    graph.initializer.extend(
        numpy_helper.from_array(np.array(values, dtype=dtype), name)
        for name, values, dtype in [
            ("heads_split_shape", split, np.int64),
            ("heads_merged_shape", merge, np.int64),
            ("mask_axes", [1, 2], np.int64),
            ("mask_keep", keep, np.float32),
            ("mask_drop", drop, np.float32),
        ]
    )
    count = len(graph.node)
    projections, replaced = merged_projections(graph)
    kept = [node for node in graph.node if node.name not in replaced]
    available = {tensor.name for tensor in [*graph.input, *graph.initializer]}
    nodes = in_order([*kept, *mask_nodes, *projections], available)
    needed, live = {output.name for output in graph.output}, []
    for node in reversed(nodes):  # drop what nothing reads
        if needed.intersection(node.output):
            live.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(live))
    used = [tensor for tensor in graph.initializer if tensor.name in needed]
    del graph.initializer[:]  # the projections' separate weights go
    graph.initializer.extend(used)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    print(f"simplified: {count} nodes in the file, now {len(live)}")
    return count, len(live)


def merged_projections(graph) -> tuple[list, set[str]]:  # type: ignore[no-untyped-def,type-arg]
    """Per layer, the query, key and value projections as one int8 matmul with their weights side
    by side (384 x 1152) and a Split: each output column gets the same integer products, scale
    and bias as before, in one call instead of three. Returns the new nodes and the names of the
    bias Adds they replace (the rest of the old nodes then feed nothing)."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    nodes = {node.name: node for node in graph.node}
    producer = {output: node for node in graph.node for output in node.output}
    weights = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    suffix = "/attention/self/query/MatMul_quant"
    layers = sorted(name.removesuffix(suffix) for name in nodes if name.endswith(suffix))
    if len(layers) != 6:
        raise SystemExit(f"expected 6 layers' query projections, found {len(layers)}")
    new, replaced = [], set()
    for layer in layers:
        parts = []
        for which in ("query", "key", "value"):
            path = f"{layer}/attention/self/{which}"
            matmul, scales = nodes[f"{path}/MatMul_quant"], nodes[f"{path}/MatMul_quant_scales_mul"]
            bias = nodes[f"{path}/Add"]
            rescale = producer[bias.input[1]]  # Add(bias, Mul(Cast(MatMulInteger), scales))
            assert rescale.op_type == "Mul" and rescale.input[1] == scales.output[0], path
            assert producer[rescale.input[0]].input[0] == matmul.output[0], path
            parts.append((matmul, scales, bias))
        matmul, scales, _ = parts[0]
        x, x_zero, x_scale = matmul.input[0], matmul.input[2], scales.input[0]
        for part in parts:
            assert (part[0].input[0], part[0].input[2], part[1].input[0]) == (x, x_zero, x_scale)
        path = f"{layer}/attention/self/qkv"
        joined = {
            "weight_quantized": [m.input[1] for m, _, _ in parts],
            "weight_zero_point": [m.input[3] for m, _, _ in parts],
            "weight_scale": [s.input[1] for _, s, _ in parts],
            "bias": [b.input[0] for _, _, b in parts],
        }
        for key, names in joined.items():
            values = np.concatenate([weights[name] for name in names], axis=-1)
            graph.initializer.append(numpy_helper.from_array(values, f"{path}.{key}"))
        widths = [weights[m.input[1]].shape[-1] for m, _, _ in parts]
        graph.initializer.append(numpy_helper.from_array(np.array(widths), f"{path}.widths"))
        new += [
            helper.make_node("Mul", [x_scale, f"{path}.weight_scale"], [f"{path}/scales"]),
            helper.make_node(
                "MatMulInteger",
                [x, f"{path}.weight_quantized", x_zero, f"{path}.weight_zero_point"],
                [f"{path}/products"],
                f"{path}/MatMul_quant",
            ),
            helper.make_node(
                "Cast", [f"{path}/products"], [f"{path}/float"], to=onnx.TensorProto.FLOAT
            ),
            helper.make_node("Mul", [f"{path}/float", f"{path}/scales"], [f"{path}/projected"]),
            helper.make_node("Add", [f"{path}.bias", f"{path}/projected"], [f"{path}/biased"]),
            helper.make_node(
                "Split",
                [f"{path}/biased", f"{path}.widths"],
                [b.output[0] for _, _, b in parts],
                f"{path}/Split",
                axis=-1,
            ),
        ]
        replaced.update(bias.name for _, _, bias in parts)
    return new, replaced


def in_order(nodes, available: set[str]):  # type: ignore[no-untyped-def]
    """`nodes` with each after the producers of its inputs, otherwise in the order given."""
    ordered, pending = [], list(nodes)
    while pending:
        waiting = []
        for node in pending:
            if all(not name or name in available for name in node.input):
                ordered.append(node)
                available.update(node.output)
            else:
                waiting.append(node)
        if len(waiting) == len(pending):
            missing = {name for node in waiting for name in node.input} - available
            missing -= {name for node in waiting for name in node.output}
            raise SystemExit(f"the simplified graph has a cycle or misses {sorted(missing)[:5]}")
        pending = waiting
    return ordered


def runtime_nodes(model: Path) -> int:
    """Nodes ONNX Runtime runs per call after its own optimisations (all levels, CPU)."""
    import onnx
    import onnxruntime

    with tempfile.TemporaryDirectory() as folder:
        options = onnxruntime.SessionOptions()
        options.optimized_model_filepath = str(Path(folder) / "optimised.onnx")
        options.log_severity_level = 3
        onnxruntime.InferenceSession(str(model), options, ["CPUExecutionProvider"])
        return len(onnx.load(options.optimized_model_filepath).graph.node)


def check_identical(
    reference: Path, candidate: Path, tokenizer_path: Path, texts: list[str]
) -> int:
    """Fail unless both graphs give the same `last_hidden_state`, bit for bit, for each text
    alone and for shuffled padded batches of 2-8 of them; return how many runs were compared."""
    import random

    import numpy as np
    import onnxruntime
    from tokenizers import Tokenizer

    words = Tokenizer.from_file(str(tokenizer_path))
    words.enable_truncation(256)
    words.enable_padding(pad_id=0, pad_token="[PAD]")
    sessions = [
        onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        for path in (reference, candidate)
    ]
    shuffled, rng = list(texts), random.Random(3)
    rng.shuffle(shuffled)
    batches = [[text] for text in texts]
    while shuffled:
        batches.append([shuffled.pop() for _ in range(min(rng.randint(2, 8), len(shuffled)))])
    started = time.monotonic()
    for number, batch in enumerate(batches, 1):
        encodings = words.encode_batch(batch)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        expected, got = (session.run(None, feeds)[0] for session in sessions)
        if not np.array_equal(expected, got):
            worst = float(np.abs(expected - got).max())
            raise SystemExit(f"simplified graph differs (max {worst:g}) on batch {batch!r}")
        if number % 100 == 0 or number == len(batches):
            rate = number / (time.monotonic() - started)
            left = (len(batches) - number) / rate
            print(f"  identical: {number}/{len(batches)} runs, {rate:.1f}/s, {left:.0f} s left")
    return len(batches)
