#!/usr/bin/env bash
#===- bench/gpu/run.sh - The GPU measurements, from a prepared pack --------===#
#
# Runs in the folder bench/gpu/prepare.sh wrote, on the GPU machine:
#   bash run.sh [PEAK_GFLOPS]
# 1. the Vulkan devices and the one used;
# 2. each training-step library (MLP, CNN, SNN; each batch): samples/s and the
#    loss after the timed steps, checked against the CPU's loss for the
#    same steps (relative difference <= 1e-3: a wrong kernel fails here);
# 3. the N x N x N product kernel's device time and GFLOP/s (and the
#    fraction of PEAK_GFLOPS if given: the GPU's f32 peak without tensor
#    cores);
# 4. PyTorch CUDA on the same GPU (gpu_baseline.py: the MLP at batch 128
#    and 1024, the SNN, an 8192^3 f32 product), if PyTorch sees CUDA. The
#    Fashion-MNIST files come from $FASHION_MNIST (default
#    /usr/share/datasets/fashion-mnist), else random data of the same
#    shapes is written (throughput only; accuracies then mean nothing).
# Exits non-zero if a loss differs from the CPU's or a program fails.
#
#===----------------------------------------------------------------------===#
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
. "$here/settings"
peak="${1:-0}"
# The runtime's own dependencies (oneDNN) come from the pack too.
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
status=0
date -u
nvidia-smi -L 2> /dev/null || true
echo "== Vulkan devices"
"$here/bin/devices" || status=1

echo "== training steps ($STEPS timed steps after 3 warm-up steps, one batch)"
for model in $MODELS; do
  for b in $BATCHES; do
    name="${model}_b$b"
    line="$("$here/bin/steps_$name" "$b" "$STEPS")" || { echo "$name: FAILED"; status=1; continue; }
    want="$(sed 's/.*-> //' "$here/expected/$name")"
    got="$(echo "$line" | sed 's/.*-> //')"
    verdict="$(awk -v a="$got" -v b="$want" 'BEGIN {d = a - b; if (d < 0) d = -d;
      m = b < 0 ? -b : b; print (d <= 1e-3 * m) ? "loss ok" : "LOSS DIFFERS"}')"
    [ "$verdict" = "loss ok" ] || status=1
    echo "$name: $line (CPU: $(cat "$here/expected/$name")) $verdict"
  done
done

echo "== matrix product"
"$here/bin/matmul" "$MATMUL_N" 10 "$peak" || status=1

if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2> /dev/null &&
   [ -f "$here/gpu_baseline.py" ]; then
  echo "== PyTorch CUDA"
  data="${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
  if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
    data="$(mktemp -d)"
    python3 - "$data" <<'PY'
import gzip, sys
import numpy as np
d, r = sys.argv[1], np.random.RandomState(0)
def write(name, arr):
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    with gzip.open(f"{d}/{name}", "wb") as f:
        f.write(head + arr.astype(np.uint8).tobytes())
write("train-images-idx3-ubyte.gz", r.randint(0, 256, (60000, 28, 28)))
write("train-labels-idx1-ubyte.gz", r.randint(0, 10, 60000))
write("t10k-images-idx3-ubyte.gz", r.randint(0, 256, (10000, 28, 28)))
write("t10k-labels-idx1-ubyte.gz", r.randint(0, 10, 10000))
PY
    echo "(random data of Fashion-MNIST's shapes: throughput only)"
  fi
  python3 "$here/gpu_baseline.py" "$data" || status=1
fi
exit $status
