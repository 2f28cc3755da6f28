"""Writes the dense [inputs, outputs] matrix of a fixed sparse layer's pairs
(W[i, o] = sum of the values of pairs (o, i)) as parameter W of a
safetensors file. argv: sparse.safetensors dense.safetensors"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

p = read(sys.argv[1])
W = np.zeros((6, 4))
np.add.at(W, (p["pairs"][:, 1], p["pairs"][:, 0]), p["w"])
data = np.ascontiguousarray(W).tobytes()
rng = np.ascontiguousarray(p["rng"]).astype(np.int64).tobytes()
header = {"W": {"dtype": "F64", "shape": [6, 4], "data_offsets": [0, len(data)]},
          "rng": {"dtype": "I64", "shape": [2],
                  "data_offsets": [len(data), len(data) + len(rng)]}}
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open(sys.argv[2], "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data + rng)
