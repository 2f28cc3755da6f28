#!/usr/bin/env python3
"""Ctrl-C in the middle of a long episode stops the run at a step (it used
to be read only between episodes, so a run of one long episode ignored it):
exit status 130, a message naming the step, the parameters saved, and no
metrics line for the unfinished episode. The parameters, written here,
make the chain agent step left forever (logits [100, -100]).
Usage: interrupt_episode.py CREDOC MODEL OUTDIR"""
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time

credoc, model, out = sys.argv[1:4]
params = os.path.join(out, "left.safetensors")
tensors = {"w": ([4, 2], [0.0] * 8), "b": ([2], [100.0, -100.0]),
           "v": ([4, 1], [0.0] * 4)}
header, data = {}, b""
for name, (shape, values) in tensors.items():
    blob = struct.pack("<%df" % len(values), *values)
    header[name] = {"dtype": "F32", "shape": shape,
                    "data_offsets": [len(data), len(data) + len(blob)]}
    data += blob
text = json.dumps(header).encode()
with open(params, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
checkpoint = os.path.join(out, "stopped.safetensors")
metrics = os.path.join(out, "stopped.jsonl")
run = subprocess.Popen([credoc, "train", model, "--params", params,
                        "--checkpoint", checkpoint, "--metrics", metrics],
                       stdout=subprocess.PIPE, text=True)
# The first line comes once the step is compiled and the episodes start
# (a signal before it stops the compilation instead, however slow the
# machine).
first = run.stdout.readline()
time.sleep(0.5)
started = time.time()
run.send_signal(signal.SIGINT)
rest, _ = run.communicate(timeout=60)
text = first + rest
assert run.returncode == 130, (run.returncode, text)
stop = re.search(r"credoc: interrupted after step (\d+) of episode 1 of 1 "
                 r"\(an unfinished episode, not recorded\); saved the "
                 r"parameters to \S+", text)
assert stop, text
print("stopped within the episode, %.1f s after the signal"
      % (time.time() - started))
assert int(stop.group(1)) > 0
assert open(metrics).read() == "", open(metrics).read()
print("metrics: no line")
assert os.path.getsize(checkpoint) > 0
print("saved")
