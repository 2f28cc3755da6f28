#!/bin/sh
# A compiler driver whose link reports success but leaves the library cut
# short, as a linker on a full disk can: links with cc, then truncates.
cc "$@" || exit 1
while [ $# -gt 0 ]; do
  [ "$1" = -o ] && out=$2
  shift
done
head -c 4000 "$out" > "$out.cut" && mv "$out.cut" "$out"
