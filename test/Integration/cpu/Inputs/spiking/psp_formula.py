"""The spike-train-level PSP of HM2-BP (Jin, Zhang & Li, NeurIPS 2018),
summed pair by pair straight from the formula, as the independent
reference of check_s_psp.py and check_hm2bp.py:

e[b,i,j] = Σ_f Σ_g [t > 0] exp(−max(t − s, 0)/τs) ε(min(s, t)),
t = p_f − (q_g + t_ref), s = p_f − (p_{f−1} + t_ref) (s = p_1 for the first),
ε(u) = (exp(−u/τm) − exp(−u/τs)) / (1 − τs/τm); 0.1 for a silent post
neuron whose pre neuron fired. Trains are [T, B, N] and [T, B, M]."""
import numpy as np


def psp(post, pre, tau_m, tau_s, t_ref):
    eps = lambda u: (np.exp(-u / tau_m) - np.exp(-u / tau_s)) / (1 - tau_s / tau_m)
    B = post.shape[1]
    e = np.zeros((B, post.shape[2], pre.shape[2]))
    for b in range(B):
        for i in range(post.shape[2]):
            ps = np.nonzero(post[:, b, i])[0]
            for j in range(pre.shape[2]):
                qs = np.nonzero(pre[:, b, j])[0]
                if len(ps) == 0:
                    e[b, i, j] = 0.1 if len(qs) else 0.0
                    continue
                for f, p in enumerate(ps):
                    s = p if f == 0 else p - (ps[f - 1] + t_ref)
                    for q in qs:
                        t = p - (q + t_ref)
                        if t > 0:
                            e[b, i, j] += np.exp(-max(t - s, 0) / tau_s) * eps(min(s, t))
    return e
