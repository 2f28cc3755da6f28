#!/usr/bin/env python3
"""Rewrites one __metadata__ entry of a safetensors checkpoint:
edit_metadata.py IN OUT KEY VALUE [--fix-checksum]. With --fix-checksum the
checkpoint's credo.checksum is recomputed (CRC-32 of the tensor data, then
of each other metadata entry "key\\0value\\0" in key order), as a tool that
knew the format would write it; without, the checksum is left stale."""
import json
import struct
import sys
import zlib

src, dst, key, value = sys.argv[1:5]
blob = open(src, "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
header = json.loads(blob[8:8 + n])
data = blob[8 + n:]
meta = header["__metadata__"]
meta[key] = value
if "--fix-checksum" in sys.argv:
    crc = 0
    for name, info in sorted(((k, v) for k, v in header.items()
                              if k != "__metadata__"),
                             key=lambda kv: kv[1]["data_offsets"][0]):
        a, b = info["data_offsets"]
        crc = zlib.crc32(data[a:b], crc)
    for k in sorted(meta):
        if k in ("credo.checksum", "credo.crc32"):
            continue
        crc = zlib.crc32(k.encode() + b"\0" + meta[k].encode() + b"\0", crc)
    meta["credo.checksum"] = str(crc)
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open(dst, "wb").write(struct.pack("<Q", len(text)) + text + data)
