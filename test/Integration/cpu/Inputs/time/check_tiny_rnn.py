"""Logits and loss of tiny_rnn.json in NumPy (float64 loops) against credoc
run's outputs: prints "NAME: ok" per output folder, or the errors."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

p = read(sys.argv[1])
x = np.load(sys.argv[2]).astype(np.float64)
lab = np.load(sys.argv[3])
h = np.zeros((x.shape[0], p['w_hh'].shape[0]))
for t in range(x.shape[1]):
    h = np.tanh(x[:, t] @ p['w_ih'] + p['b'] + h @ p['w_hh'])
logits = h @ p['w_out']
z = logits - logits.max(1, keepdims=True)
lse = np.log(np.exp(z).sum(1))
loss = np.mean(lse - z[np.arange(len(lab)), lab])
for d in sys.argv[4:]:
    got = np.load(d + '/logits.npy')
    gl = np.load(d + '/loss.npy')
    e1, e2 = np.abs(got - logits).max(), abs(gl - loss)
    name = os.path.basename(d)
    if e1 < 1e-5 and e2 < 1e-5:
        print(name + ': ok')
    else:
        print(name + ': MISMATCH logits error %.1e, loss error %.1e' % (e1, e2))
