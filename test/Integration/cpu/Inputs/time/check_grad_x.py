"""The gradient of tiny_rnn64.json's loss with respect to its input sequence
(read along axis 1), from `credoc grad --wrt x`, against central finite
differences of the loss computed by NumPy loops (an independent forward).
Prints "grad x: ok (max relative error E)" or the mismatch."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402




def loss(p, x, lab):
    h = np.zeros((x.shape[0], p['w_hh'].shape[0]))
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ p['w_ih'] + p['b'] + h @ p['w_hh'])
    z = h @ p['w_out']
    z = z - z.max(1, keepdims=True)
    return np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(lab)), lab])


grads = read(sys.argv[1])
p = read(sys.argv[2])
x = np.load(sys.argv[3]).astype(np.float64)
lab = np.load(sys.argv[4])
fd = np.zeros_like(x)
eps = 1e-6
for i in np.ndindex(x.shape):
    xp, xm = x.copy(), x.copy()
    xp[i] += eps
    xm[i] -= eps
    fd[i] = (loss(p, xp, lab) - loss(p, xm, lab)) / (2 * eps)
got = grads['grad.x']
err = np.max(np.abs(got - fd) / (np.abs(got) + np.abs(fd) + 1e-12))
print(('grad x: ok' if err < 1e-6 else 'grad x: MISMATCH') +
      ' (max relative error %.1e)' % err)
