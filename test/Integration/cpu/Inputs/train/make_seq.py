"""A sequence task for credoc train's npy data: 5 steps of 3 features; the
class is 1 when the first feature sums to more than 0 over the steps."""
import os, sys
import numpy as np
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
r = np.random.RandomState(0)
for split, n in (("train", 512), ("test", 256)):
    x = r.randn(n, 5, 3).astype(np.float32)
    y = (x[:, :, 0].sum(1) > 0).astype(np.int64)
    np.save(os.path.join(out, split + "_x.npy"), x)
    np.save(os.path.join(out, split + "_y.npy"), y)
