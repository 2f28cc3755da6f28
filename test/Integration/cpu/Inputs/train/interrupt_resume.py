#!/usr/bin/env python3
"""Ctrl-C at an arbitrary moment, then --resume: the final parameters are
byte-identical to a run that never stopped. Usage:
interrupt_resume.py CREDOC MODEL DATA OUTDIR"""
import os
import re
import signal
import subprocess
import sys
import time

credoc, model, data, out = sys.argv[1:5]
part = os.path.join(out, "interrupted.safetensors")
run = subprocess.Popen([credoc, "train", model, "--data", data,
                        "--epochs", "100000", "--checkpoint", part],
                       stdout=subprocess.PIPE, text=True)
time.sleep(2.5)
run.send_signal(signal.SIGINT)
text, _ = run.communicate(timeout=60)
assert run.returncode == 130, (run.returncode, text)
stop = re.search(r"credoc: interrupted (?:in epoch (\d+) after step (\d+) of "
                 r"\d+|after epoch (\d+))", text)
assert stop, text
print(stop.group(0))
# The epoch in which it stopped (or the one after, at an epoch's end) is
# finished by the resumed run; the uninterrupted run goes as far.
epochs = int(stop.group(1)) if stop.group(1) else int(stop.group(3)) + 1
subprocess.run([credoc, "train", model, "--data", data, "--resume", part,
                "--epochs", str(epochs), "--checkpoint", part],
               check=True, stdout=subprocess.DEVNULL)
whole = os.path.join(out, "whole.safetensors")
subprocess.run([credoc, "train", model, "--data", data, "--epochs",
                str(epochs), "--checkpoint", whole],
               check=True, stdout=subprocess.DEVNULL)
same = open(part, "rb").read() == open(whole, "rb").read()
print("byte-identical" if same else "DIFFERENT")
sys.exit(0 if same else 1)
