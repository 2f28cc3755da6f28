#!/usr/bin/env python3
"""Peak memory of one surrogate-gradient BPTT step of the PyTorch SNN of
../shared/bench-ref/snn.py (its SNN class, batch 128) at T steps: the
growth of the process's peak RSS over a forward and backward pass, after a
warm-up pass at T = 1 has loaded everything. argv: REFS T."""
import resource
import sys

sys.path.insert(0, sys.argv[1])
import torch  # noqa: E402

torch.set_num_threads(1)
import snn  # noqa: E402

T = int(sys.argv[2])


def step(steps):
    model = snn.SNN(T=steps, hoist=True)
    x = torch.rand(128, 784)
    y = torch.randint(0, 10, (128,))
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()


step(1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
step(T)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("%.1f" % ((after - before) / 1024))
