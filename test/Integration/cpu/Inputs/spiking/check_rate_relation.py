"""HM2-BP's rate relation o_i ≈ (1/ν) Σ_j w_ji e_{i|j} on a simulated LIF
layer (rate_relation.json): correlation > 0.95 over the neurons that fire,
median ratio in [0.85, 1.15]. argv: params.safetensors OUTDIR."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

w = read(sys.argv[1])["w"]
e, o = np.load(sys.argv[2] + "/e.npy"), np.load(sys.argv[2] + "/o.npy")
pred = np.einsum("bij,ji->bi", e.astype(np.float64), w.astype(np.float64)) / 10
firing = o > 0
assert firing.sum() >= 0.9 * o.size, "too few neurons fire for the check"
corr = np.corrcoef(o[firing], pred[firing])[0, 1]
ratio = np.median(o[firing] / pred[firing])
assert corr > 0.95 and 0.85 <= ratio <= 1.15, (corr, ratio)
print("rate relation: ok (corr %.3f, median ratio %.3f, mean count %.1f)"
      % (corr, ratio, o.mean()))
