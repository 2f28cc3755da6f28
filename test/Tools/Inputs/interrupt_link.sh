#!/bin/sh
# A compiler driver during whose link credoc is stopped: sends SIGTERM to
# credoc (its parent; SIGINT may be ignored under a test runner) and waits
# to be cut off with it.
kill -TERM $PPID
exec >/dev/null 2>&1
sleep 5
