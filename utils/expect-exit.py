#!/usr/bin/env python3
"""Runs a command and succeeds only if it exits with the expected status.

usage: expect-exit.py STATUS COMMAND [ARGS...]

The command's stdout and stderr pass through unchanged, so a lit test can
pipe them into FileCheck. A crash (death by signal) never matches.
"""
import subprocess
import sys

if len(sys.argv) < 3:
    sys.exit("usage: expect-exit.py STATUS COMMAND [ARGS...]")
expected = int(sys.argv[1])
try:
    proc = subprocess.run(sys.argv[2:], timeout=120)
except subprocess.TimeoutExpired:
    sys.stderr.write("expect-exit: command timed out after 120 s\n")
    sys.exit(1)
if proc.returncode != expected:
    sys.stderr.write(f"expect-exit: expected exit status {expected}, "
                     f"got {proc.returncode}\n")
    sys.exit(1)
