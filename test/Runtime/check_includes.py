"""The runtime's sources compile without LLVM or MLIR include paths (it
never links them; users build against it without them)."""
import json
import shlex
import sys


def include_dirs(command):
    args = shlex.split(command)
    for i, a in enumerate(args):
        if a in ("-I", "-isystem", "-iquote") and i + 1 < len(args):
            yield args[i + 1]
        elif a.startswith("-I"):
            yield a[2:]
        elif a.startswith("-isystem") and len(a) > len("-isystem"):
            yield a[len("-isystem"):]


runtime = [c for c in json.load(open(sys.argv[1]))
           if "/runtime/src/" in c["file"]]
bad = sorted({c["file"] for c in runtime for d in include_dirs(c["command"])
              if "llvm" in d.lower() or "mlir" in d.lower()})
if not runtime:
    sys.exit("no runtime sources in compile_commands.json")
if bad:
    sys.exit(f"runtime sources with LLVM/MLIR include paths: {bad}")
print(f"{len(runtime)} runtime sources compile without LLVM or MLIR include paths")
