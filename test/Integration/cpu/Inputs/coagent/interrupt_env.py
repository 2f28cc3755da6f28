#!/usr/bin/env python3
"""Ctrl-C during training in an environment: exit status 130, a message,
the parameters saved to --checkpoint, a metrics file of whole JSON
lines (the run used to die with the signal, saving nothing, in the middle
of a line) and the picture of the episodes so far. Usage: interrupt_env.py CREDOC MODEL OUTDIR"""
import json
import os
import re
import signal
import subprocess
import sys
import time

credoc, model, out = sys.argv[1:4]
checkpoint = os.path.join(out, "env-interrupted.safetensors")
metrics = os.path.join(out, "env-interrupted.jsonl")
plot = os.path.join(out, "env-interrupted.svg")
run = subprocess.Popen([credoc, "train", model, "--episodes", "100000000",
                        "--checkpoint", checkpoint, "--metrics", metrics,
                        "--plot", plot],
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
# Between episodes, or within one (which is then not recorded).
stop = re.search(r"credoc: interrupted after episode (\d+) of 100000000; "
                 r"saved the parameters to \S+", text)
within = re.search(r"credoc: interrupted after step \d+ of episode (\d+) of "
                   r"100000000 \(an unfinished episode, not recorded\); "
                   r"saved the parameters to \S+", text)
assert stop or within, text
finished = int(stop.group(1)) if stop else int(within.group(1)) - 1
print("interrupted, saved")
episodes = [json.loads(line)["episode"] for line in open(metrics)]
assert episodes == list(range(1, finished + 1)), episodes[-3:]
print("metrics: %s whole lines" % ("all" if episodes else "NO"))
assert os.path.getsize(checkpoint) > 0
svg = open(plot).read()
assert svg.rstrip().endswith("</svg>") and "polyline" in svg, svg[-200:]
print("picture: drawn")
