"""Compares the outputs of einsum_f32.json with numpy.einsum in f64.
Usage: check_einsum_f32.py INPUT_DIR OUTPUT_DIR"""
import sys

import numpy as np

inp, out = sys.argv[1], sys.argv[2]
v = {n: np.load("%s/%s.npy" % (inp, n)).astype(np.float64) for n in "abcdexy"}
cases = [("outer", "bi,bj->ij", "ab"), ("swapped", "bi,bj->ji", "ab"),
         ("plain", "ij,jk->ik", "ac"), ("rhs_t", "ij,kj->ik", "ad"),
         ("both_t", "ji,kj->ik", "ae"), ("large", "bi,bj->ij", "xy"),
         ("batched", "bi,bj->bij", "ab"), ("elementwise", "bi,bi->bi", "aa")]
for name, spec, args in cases:
    got = np.load("%s/%s.npy" % (out, name))
    want = np.einsum(spec, *[v[a] for a in args])
    ok = got.dtype == np.float32 and got.shape == want.shape and \
        np.allclose(got, want, rtol=1e-5, atol=1e-5)
    print(name, "ok" if ok else "WRONG (max error %g)" % np.abs(got - want).max())
