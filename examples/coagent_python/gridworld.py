#!/usr/bin/env python3
"""examples/coagent_python/gridworld.py: a Python program that runs its own
environment loop around a coagent library from `credoc build --train`,
through ctypes (no bindings to build).

    credoc build examples/gridworld_coagent.json --train -o model/
    python3 examples/coagent_python/gridworld.py model/ <credo build>/lib [episodes] [seed]

The 5x5 gridworld lives here, in Python: start (0, 0), goal (4, 4), -1 per
step, at most 50 steps. Per step the program calls gridworld_coagent_act
(the action for the one-hot state) and gridworld_coagent_train_step
(reward, done, last, next state); every sample, trace and update is the
library's generated code. It prints the mean return of the last 200
episodes and exits 1 on any library error.
"""
import ctypes
import os
import sys
import time

USAGE = "usage: gridworld.py MODEL_DIR RUNTIME_LIB_DIR [episodes >= 1] [seed >= 0]"
if not 3 <= len(sys.argv) <= 5:
    sys.exit(USAGE)
model_dir, runtime_dir = sys.argv[1], sys.argv[2]
try:
    episodes = int(sys.argv[3]) if len(sys.argv) > 3 else 1500
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
except ValueError:
    sys.exit(USAGE)
if episodes < 1 or seed < 0:
    sys.exit(USAGE)

try:
    ctypes.CDLL(os.path.join(runtime_dir, "libcredo_runtime.so"),
                mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(os.path.join(model_dir, "libgridworld_coagent.so"))
except OSError as e:
    sys.exit(f"gridworld.py: cannot load the libraries ({e}); MODEL_DIR is "
             "where `credoc build --train` wrote libgridworld_coagent.so, "
             "RUNTIME_LIB_DIR holds libcredo_runtime.so\n" + USAGE)
lib.credo_last_error.restype = ctypes.c_char_p
F = ctypes.POINTER(ctypes.c_float)


def check(status, what):
    if status != 0:
        sys.exit("gridworld: %s: %s" % (what, lib.credo_last_error().decode()))


model = ctypes.c_void_p()
check(lib.gridworld_coagent_create(ctypes.byref(model)), "create")
if seed:
    # A seed re-keys the model's generator ([key, draws]).
    rng = (ctypes.c_int64 * 2)()
    check(lib.gridworld_coagent_get_param(model, b"rng", rng, ctypes.c_size_t(16)), "rng")
    rng[0] ^= ctypes.c_int64((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF).value
    check(lib.gridworld_coagent_set_param(model, b"rng", rng, ctypes.c_size_t(16)), "rng")

state, nxt = (ctypes.c_float * 25)(), (ctypes.c_float * 25)()
action = ctypes.c_int64()
reward, done, last, signal = ctypes.c_float(-1), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
moves = [(0, 1), (1, 0), (0, -1), (-1, 0)]
returns, steps = [], 0
start = time.perf_counter()
for episode in range(episodes):
    r, c, ret = 0, 0, 0.0
    ctypes.memset(state, 0, 100)
    state[0] = 1
    for t in range(50):
        check(lib.gridworld_coagent_act(model, state, ctypes.byref(action)), "act")
        dr, dc = moves[action.value]
        r, c = min(max(r + dr, 0), 4), min(max(c + dc, 0), 4)
        done.value = 1.0 if (r, c) == (4, 4) else 0.0
        last.value = 1.0 if done.value or t == 49 else 0.0
        ctypes.memset(nxt, 0, 100)
        nxt[r * 5 + c] = 1
        check(lib.gridworld_coagent_train_step(model, ctypes.byref(reward), ctypes.byref(done),
                                               ctypes.byref(last), nxt, ctypes.c_float(0.05),
                                               ctypes.byref(signal)), "train_step")
        ctypes.memmove(state, nxt, 100)
        ret += reward.value
        steps += 1
        if done.value:
            break
    returns.append(ret)
seconds = time.perf_counter() - start
n = min(200, episodes)
print("gridworld: mean return over the last %d of %d episodes: %.3f" % (n, episodes, sum(returns[-n:]) / n))
print("gridworld: %d steps in %.3f s, %.0f steps/s" % (steps, seconds, steps / seconds))
lib.gridworld_coagent_destroy(model)
