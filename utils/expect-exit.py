#!/usr/bin/env python3
"""Runs a command and succeeds only if it exits with the expected status.

usage: expect-exit.py STATUS COMMAND [ARGS...]

STATUS is an exit status (0-255) or the name of the signal the command is
expected to end by (SIGTERM, SIGINT: a stopped run that cleans up and then
re-raises it). The command's stdout and stderr pass through unchanged, so a
lit test can pipe them into FileCheck. Any other death by signal (a crash)
never matches.
"""
import signal
import subprocess
import sys

if len(sys.argv) < 3:
    sys.exit("usage: expect-exit.py STATUS COMMAND [ARGS...]")
if sys.argv[1].startswith("SIG"):
    expected = -int(getattr(signal, sys.argv[1]))
else:
    expected = int(sys.argv[1])
try:
    proc = subprocess.run(sys.argv[2:], timeout=120)
except subprocess.TimeoutExpired:
    sys.stderr.write("expect-exit: command timed out after 120 s\n")
    sys.exit(1)
if proc.returncode != expected:
    def shown(code):
        return (f"death by {signal.Signals(-code).name}" if code < 0 else
                f"exit status {code}")
    sys.stderr.write(f"expect-exit: expected {shown(expected)}, "
                     f"got {shown(proc.returncode)}\n")
    sys.exit(1)
