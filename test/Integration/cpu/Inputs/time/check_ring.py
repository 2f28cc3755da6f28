"""The ring model's forward pass in NumPy: h reads itself 3, 9 and 12
steps back (h0 before the first step), g itself 10 steps back (zeros)."""
import json, struct, sys
import numpy as np

def read_safetensors(path):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    header.pop("__metadata__", None)
    return {k: np.frombuffer(blob[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]],
                             np.float64).reshape(v["shape"]) for k, v in header.items()}

p = read_safetensors(sys.argv[1])
x = np.load(sys.argv[2])
hs, gs = [], []
def h_at(i):
    return hs[i] if i >= 0 else p["h0"]
def g_at(i):
    return gs[i] if i >= 0 else np.zeros((2, 3))
for t in range(x.shape[0]):
    c = x[t] @ p["w"] + h_at(t - 3) @ p["v"] + h_at(t - 9) * h_at(t - 12)
    hs.append(np.tanh(c))
    gs.append(hs[-1] + g_at(t - 10))
s = hs[-1] + gs[-1]
for d in sys.argv[3:]:
    got = np.load(d + "/s.npy")
    err = np.max(np.abs(got - s))
    print(f"{d.split('/')[-1]}: {'ok' if err < 1e-12 else 'mismatch'} (max error {err:.1e})")
