#!/usr/bin/env bash
#===- bench/gpu/prepare.sh - Everything a GPU machine needs to measure -----===#
#
# Builds, on this machine, a self-contained folder (default bench/gpu/pack,
# under 64 MiB) that bench/gpu/run.sh runs on a machine with a GPU and no
# compiler: the Vulkan training-step libraries of the Fashion-MNIST
# examples in $MODELS (default: the MLP, the CNN and the SNN) at each batch
# in $BATCHES (default "128 1024") with their step
# timers (bench/vulkan_steps.c), the losses the CPU computes for the same
# steps (the GPU's must match), a matrix-product library of N x N x N
# ($MATMUL_N, default 4096) with its timer (bench/vulkan_matmul.c), a
# device lister, the runtime libraries they load, and the PyTorch CUDA
# baseline script. Carry the folder with the device tool's `carry`. The
# folder is made anew: one that exists must be an earlier pack (it holds
# the file .credo-gpu-pack), never another folder.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
refs="${CREDO_BENCH_REFS:-$root/../shared/bench-ref}"
pack="${PACK:-$root/bench/gpu/pack}"
batches="${BATCHES:-128 1024}"
models="${MODELS:-fashion_mnist_mlp fashion_mnist_cnn fashion_mnist_snn}"
steps="${STEPS:-20}"
n="${MATMUL_N:-4096}"
credoc="$build/bin/credoc"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -e "$pack" ] && [ ! -f "$pack/.credo-gpu-pack" ] &&
  [ -n "$(ls -A "$pack" 2> /dev/null || echo x)" ]; then
  echo "prepare.sh: '$pack' exists and is not an earlier pack; give PACK a new or empty folder" >&2
  exit 1
fi
rm -rf "$pack"
mkdir -p "$pack/lib" "$pack/bin" "$pack/expected"
touch "$pack/.credo-gpu-pack"

# The runtime and what it loads (the Vulkan loader comes from the GPU's
# driver installation).
cp -L "$build/lib/libcredo_runtime.so.0" "$pack/lib/"
for l in $(ldd "$build/lib/libcredo_runtime.so.0" | awk '$3 ~ /^\// {print $3}'); do
  case "$(basename "$l")" in
    libc.so*|libm.so*|libstdc++.so*|libgcc_s.so*) ;; # the system's own
    *) cp -L "$l" "$pack/lib/" ;;
  esac
done
cc=(clang-19 -O2 -Wall -Werror -I"$root/runtime/include")
link=(-L"$build/lib" -lcredo_runtime -Wl,-rpath,'$ORIGIN/../lib')

"${cc[@]}" "$root/bench/gpu/devices.c" -o "$pack/bin/devices" "${link[@]}"

for model in $models; do
  for b in $batches; do
    name="${model}_b$b"
    "$credoc" build "$root/examples/$model.json" --train --batch "$b" \
      --target vulkan -o "$work/$name" > /dev/null
    mkdir -p "$pack/lib/$name"
    cp "$work/$name/lib$model.so" "$pack/lib/$name/"
    "${cc[@]}" -DMODEL="$model" -I"$work/$name" "$root/bench/vulkan_steps.c" \
      -o "$pack/bin/steps_$name" -L"$pack/lib/$name" -l"$model" "${link[@]}" \
      -Wl,-rpath,"\$ORIGIN/../lib/$name"
    # The same steps on the CPU (oneDNN): the losses the GPU must give.
    "$credoc" build "$root/examples/$model.json" --train --batch "$b" \
      -o "$work/cpu_$name" > /dev/null
    "${cc[@]}" -DMODEL="$model" -I"$work/cpu_$name" "$root/bench/vulkan_steps.c" \
      -o "$work/cpu_steps_$name" "$work/cpu_$name/lib$model.so" \
      -L"$build/lib" -lcredo_runtime -Wl,-rpath,"$build/lib" \
      -Wl,-rpath,"$work/cpu_$name"
    "$work/cpu_steps_$name" "$b" "$steps" | sed 's/.*loss/loss/' \
      > "$pack/expected/$name"
    echo "prepared $name: CPU $(cat "$pack/expected/$name")"
  done
done

cat > "$work/vk_matmul.json" <<JSON
{"format_version": 1, "name": "vk_matmul",
 "doc": "y = a · w, $n x $n x $n, for the product kernel's rate.",
 "inputs": [{"name": "a", "shape": ["batch", $n], "dtype": "f32"}],
 "parameters": [{"name": "w", "shape": [$n, $n], "init": {"kind": "normal", "std": 0.02, "seed": 1}}],
 "nodes": [{"name": "y", "op": "dense", "inputs": ["a", "w"]}],
 "outputs": ["y"]}
JSON
"$credoc" build "$work/vk_matmul.json" --batch "$n" --target vulkan \
  -o "$work/matmul" > /dev/null
mkdir -p "$pack/lib/matmul"
cp "$work/matmul/libvk_matmul.so" "$pack/lib/matmul/"
"${cc[@]}" -I"$work/matmul" "$root/bench/vulkan_matmul.c" \
  -o "$pack/bin/matmul" -L"$pack/lib/matmul" -lvk_matmul "${link[@]}" \
  -Wl,-rpath,'$ORIGIN/../lib/matmul'

printf 'MODELS="%s"\nBATCHES="%s"\nSTEPS=%s\nMATMUL_N=%s\n' "$models" "$batches" "$steps" "$n" \
  > "$pack/settings"
cp "$root/bench/gpu/run.sh" "$pack/"
cp "$refs/gpu_baseline.py" "$pack/" 2> /dev/null || true
du -sh "$pack"
