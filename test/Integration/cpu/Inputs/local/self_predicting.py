"""Writes the self-predicting state of a dendritic 2-layer model: from a
checkpoint of its initial parameters, W^IP = W2 (the interneurons predict
the output's basal potential) and W^PI = −Bᵀ (their apical input cancels
the top-down feedback), with B = W2 (feedback "transpose") or the fixed
random w2_feedback. argv: start.safetensors transpose|random out.safetensors"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read, write  # noqa: E402

p = read(sys.argv[1])
b = p["w2"] if sys.argv[2] == "transpose" else p["w2_feedback"]
p["w1_ip"] = p["w2"].copy()
p["w1_pi"] = -b.T.copy()
if sys.argv[2] == "transpose":
    del p["w2_feedback"]  # not a parameter of that model
write(sys.argv[3], {k: v.astype(np.float32) for k, v in p.items()})
