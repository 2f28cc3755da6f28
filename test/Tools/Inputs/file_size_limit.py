#!/usr/bin/env python3
"""Runs a command whose files cannot grow past LIMIT bytes, as on a disk
that fills: writes past it fail with EFBIG (SIGXFSZ ignored).

usage: file_size_limit.py LIMIT COMMAND [ARGS...]
"""
import os
import resource
import signal
import sys

limit = int(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execvp(sys.argv[2], sys.argv[2:])
