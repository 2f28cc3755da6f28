"""Reads safetensors files into NumPy arrays, from the format's
specification (an 8-byte little-endian header length, a JSON header of
dtype, shape and data offsets, then the data); shared by the test scripts
that check credoc's outputs."""
import json
import struct

import numpy as np


DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32,
          "I64": np.int64, "U8": np.uint8}


def read(path):
    """Returns {name: array} for every tensor of `path`, in its own dtype."""
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(blob[8 + n + a:8 + n + b],
                                  DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def read_f32(path):
    """Returns {name: array} for every tensor of `path` (all must be F32)."""
    out = read(path)
    for name, a in out.items():
        if a.dtype != np.float32:
            raise ValueError(f"{path}: {name} is {a.dtype}, not F32")
    return out


def write(path, tensors):
    """Writes {name: array} (float32, float64, int32 or int64) to `path`."""
    names = {np.dtype(v): k for k, v in DTYPES.items()}
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        # (ascontiguousarray alone makes a scalar [1].)
        a = np.asarray(a)
        a = np.ascontiguousarray(a).reshape(a.shape)
        data = a.tobytes()
        header[name] = {"dtype": names[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
