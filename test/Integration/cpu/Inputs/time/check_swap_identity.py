"""Outputs of swap_identity.json in NumPy (float64 steps) against credoc
run's: prints "NAME: ok" per output folder, or the errors."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

params = read(sys.argv[1])
x = np.load(sys.argv[2])
target = np.load(sys.argv[3])
# p reads q one step back (b before the first step), q reads p (a before
# it); r reads s, s reads r plus x (zeros before the first step).
p_prev, q_prev = params['a'], params['b']
r = s = np.zeros_like(x)
for step in range(3):
    p, q = q_prev, p_prev
    r, s = s, r + x
    p_prev, q_prev = p, q
m = p * s
want = {'L.p': p, 'L.q': q, 'L.r': r, 'L.s': s,
        'loss': np.mean((m - target) ** 2)}
for folder in sys.argv[4:]:
    errors = ['%s %.1e' % (k, np.abs(np.load(os.path.join(folder, k + '.npy')) - v).max())
              for k, v in want.items()
              if np.abs(np.load(os.path.join(folder, k + '.npy')) - v).max() > 1e-12]
    name = os.path.basename(folder)
    print(name + (': ok' if not errors else ': MISMATCH ' + ', '.join(errors)))
