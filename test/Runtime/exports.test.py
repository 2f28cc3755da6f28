"""Every function declared in the public headers is exported, and nothing
is exported that the headers do not declare (but the allocator)."""
import os
import re
import sys

include, exported_file = sys.argv[1:3]
declared = set()
for header in ("runtime.h", "kernels.h"):
    text = open(os.path.join(include, header)).read()
    declared |= set(re.findall(r"\b(credo_[a-z0-9_]+)\s*\(", text))
exported = {line.strip() for line in open(exported_file) if line.strip()}
exported -= {
    "_mlir_memref_to_llvm_alloc",
    "_mlir_memref_to_llvm_aligned_alloc",
    "_mlir_memref_to_llvm_free",
}
missing, extra = declared - exported, exported - declared
print(f"{len(declared)} declared, {len(exported)} exported")
if missing or extra:
    sys.exit(f"declared but not exported: {sorted(missing)}; "
             f"exported but not declared: {sorted(extra)}")
