"""The coagent policy-gradient theorem on the 4-state chain (spec §7), exact:
the sum over every trajectory of its probability times the update that the
generated library makes (chain_exact_act / chain_exact_train_step, REINFORCE,
lr 1, f64) equals central finite differences of the exact objective J(θ),
which NumPy enumerates from the model's equations. Horizon 3; two Bernoulli
hidden coagents (synchronous, or executing with probability p and otherwise
holding their output, 0 before their first execution) and a synchronous
Bernoulli action coagent on the held outputs; -1 per step, 0 on the step into
the goal. argv: LIBDIR RUNTIME_LIBDIR p (1 = synchronous)."""
import ctypes
import itertools
import os
import sys

import numpy as np

libdir, rtdir, p_exec = sys.argv[1], sys.argv[2], float(sys.argv[3])
ctypes.CDLL(os.path.join(rtdir, "libcredo_runtime.so"), mode=ctypes.RTLD_GLOBAL)
lib = ctypes.CDLL(os.path.join(libdir, "libchain_exact.so"))
lib.credo_last_error.restype = ctypes.c_char_p
D = ctypes.POINTER(ctypes.c_double)


def ok(status, what):
    if status != 0:
        sys.exit("check_chain_exact: %s: %s" % (what, lib.credo_last_error().decode()))


model = ctypes.c_void_p()
ok(lib.chain_exact_create(ctypes.byref(model)), "create")
shapes = {"w1": (4, 2), "b1": (2,), "w2": (2, 1), "b2": (1,)}


def get(name):
    a = np.zeros(shapes[name])
    ok(lib.chain_exact_get_param(model, name.encode(), a.ctypes.data_as(D), ctypes.c_size_t(a.nbytes)), name)
    return a


def put(name, a):
    a = np.ascontiguousarray(a, np.float64)
    ok(lib.chain_exact_set_param(model, name.encode(), a.ctypes.data_as(D), ctypes.c_size_t(a.nbytes)), name)


theta0 = {k: get(k) for k in shapes}
sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731


def steps():
    """Per step: (e, u, a) with u_j = 0 where e_j = 0 (not drawn)."""
    flags = [(1, 1)] if p_exec == 1 else list(itertools.product((0, 1), repeat=2))
    out = []
    for e in flags:
        for u in itertools.product(*[(0, 1) if ej else (0,) for ej in e]):
            for a in (0, 1):
                out.append((e, u, a))
    return out


STEP = steps()
TRAJ = list(itertools.product(STEP, repeat=3))


def rollout(th, traj):
    """Probability, return and per-step log-probabilities of a trajectory."""
    s, h, prob, ret = 0, np.zeros(2), 1.0, 0.0
    logps = []
    for e, u, a in traj:
        x = np.eye(4)[s]
        q = sig(x @ th["w1"] + th["b1"])
        lp_h = np.zeros(2)
        for j in range(2):
            prob *= p_exec if e[j] else (1 - p_exec) if p_exec < 1 else 1.0
            if e[j]:
                lp_h[j] = np.log(q[j] if u[j] else 1 - q[j])
                prob *= np.exp(lp_h[j])
                h[j] = u[j]
        qa = sig(h @ th["w2"] + th["b2"])[0]
        lp_a = np.log(qa if a else 1 - qa)
        prob *= np.exp(lp_a)
        logps.append((lp_h.copy(), lp_a, h.copy()))
        s = s + 1 if a == 1 else max(s - 1, 0)
        ret += 0.0 if s == 3 else -1.0
    return prob, ret, logps


def J(th):
    return sum(pr * r for pr, r, _ in (rollout(th, t) for t in TRAJ))


# Expected update of the library: Σ P(τ)·(θ after τ − θ).
expected = {k: np.zeros(v) for k, v in shapes.items()}
total_p, worst_lp = 0.0, 0.0
dbl = lambda v: ctypes.byref(ctypes.c_double(v))  # noqa: E731
out = [np.zeros((1, 1)), np.zeros((1, 2)), np.zeros((1, 1)), np.zeros((1, 2))]
for traj in TRAJ:
    prob, ret, logps = rollout(theta0, traj)
    total_p += prob
    for k in shapes:
        put(k, theta0[k])
    s = 0
    for t, (e, u, a) in enumerate(traj):
        args = [np.eye(4)[s][None], np.array([u], float), np.array([e], float), np.array([[a]], float)]
        ok(lib.chain_exact_act(model, *[x.ctypes.data_as(D) for x in args + out]), "act")
        lp_h, lp_a, h = logps[t]
        # The library's log-probabilities of the executed units and held outputs.
        worst_lp = max(worst_lp, abs(out[2][0, 0] - lp_a), np.max(np.abs(out[3][0] - h)),
                       max(abs(out[1][0, j] - lp_h[j]) for j in range(2) if e[j]) if any(e) else 0)
        s = s + 1 if a == 1 else max(s - 1, 0)
        r, done = (0.0, 1.0) if s == 3 else (-1.0, 0.0)
        last = 1.0 if t == 2 or done else 0.0
        sig_out = ctypes.c_double()
        ok(lib.chain_exact_train_step(model, dbl(r), dbl(done), dbl(last), ctypes.c_double(1.0),
                                      ctypes.byref(sig_out)), "train_step")
    for k in shapes:
        expected[k] += prob * (get(k) - theta0[k])
assert abs(total_p - 1) < 1e-12, total_p
assert worst_lp < 1e-12, worst_lp
# Central differences of the exact objective, Richardson-extrapolated
# (D(h) and D(h/2) give an O(h^4) estimate; h = 1e-3 keeps rounding small).


def central(k, i, h):
    tp = {q: v.copy() for q, v in theta0.items()}
    tm = {q: v.copy() for q, v in theta0.items()}
    tp[k][i] += h
    tm[k][i] -= h
    return (J(tp) - J(tm)) / (2 * h)


fd = {}
for k in shapes:
    g = np.zeros(shapes[k])
    for i in np.ndindex(shapes[k]):
        g[i] = (4 * central(k, i, 5e-4) - central(k, i, 1e-3)) / 3
    fd[k] = g
e_vec = np.concatenate([expected[k].ravel() for k in shapes])
g_vec = np.concatenate([fd[k].ravel() for k in shapes])
rel = np.linalg.norm(e_vec - g_vec) / np.linalg.norm(g_vec)
print("trajectories: %d, J = %.6f, |grad J| = %.4f" % (len(TRAJ), J(theta0), np.linalg.norm(g_vec)))
print("relative error: %.2e" % rel)
assert rel < 1e-8, rel
print("exact: ok (p = %g)" % p_exec)
