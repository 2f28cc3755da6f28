# -*- Python -*-
# lit configuration of Credo's regression tests: FileCheck tests of the
# dialect, the JSON importer, the tools and (later) passes and conversions.

import os
import platform
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "Credo"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.credo_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%credo_src", config.credo_src_root))
config.substitutions.append(("%credo_obj", config.credo_obj_root))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

tool_dirs = [config.credo_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["credo-opt", "credoc"], tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.credo_tools_dir, append_path=True)

# %expect-exit N CMD: run CMD and pass only if it exits with status N (or, for
# N a signal name such as SIGTERM, ends by that signal).
config.substitutions.append(
    ("%expect-exit",
     "%s %s" % (sys.executable,
                os.path.join(config.credo_src_root, "utils", "expect-exit.py"))))

# NumPy (Debian's python3-numpy) computes independent expected values in the
# integration tests; it lives with the system Python, which may differ from
# the Python running lit.
import shutil
import subprocess
for candidate in ["/usr/bin/python3", sys.executable, shutil.which("python3")]:
    if candidate and subprocess.run([candidate, "-c", "import numpy"],
                                    capture_output=True).returncode == 0:
        config.available_features.add("numpy")
        config.substitutions.append(("%numpy-python", candidate))
        # Python that loads a generated library through ctypes: in a
        # sanitizer build the sanitizer runtime has to be loaded first, and
        # Python's own allocations are not leak-checked.
        ctypes_python = candidate
        if config.credo_sanitize:
            runtime = ("libclang_rt.asan-x86_64.so"
                       if "address" in config.credo_sanitize else
                       "libclang_rt.ubsan_standalone-x86_64.so")
            path = subprocess.run(["clang-19", "-print-file-name=" + runtime],
                                  capture_output=True,
                                  text=True).stdout.strip()
            ctypes_python = ("env LD_PRELOAD=%s ASAN_OPTIONS=detect_leaks=0 %s"
                             % (path, candidate))
        config.substitutions.append(("%ctypes-python", ctypes_python))
        break

# The C and C++ compilers of programs that link a generated library: in a
# sanitizer build they carry the same sanitizers as the runtime they link.
sanitize_flags = ("-fsanitize=%s -fsanitize-link-c++-runtime "
                  "-fno-omit-frame-pointer" % config.credo_sanitize
                  if config.credo_sanitize else "")
# A C program linking the sanitized C++ runtime needs the C++ parts of the
# sanitizer runtimes and libstdc++ that they use.
config.substitutions.append((
    "%cc", ("clang-19 " + sanitize_flags +
            (" -lstdc++" if config.credo_sanitize else "")).strip()))
config.substitutions.append(("%cxxflags", sanitize_flags))
if config.credo_sanitize:
    config.available_features.add("sanitize")
    # Every finding fails the test; oneDNN's JIT and the LLVM/MLIR libraries
    # are not instrumented.
    # Allocation failures return null (as malloc does) rather than abort,
    # so that Credo's handling of them runs.
    config.environment["ASAN_OPTIONS"] = (
        "abort_on_error=1:detect_leaks=1:allocator_may_return_null=1")
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"

# %limit-memory: a shell prefix under which allocations past 4 GB fail. A
# sanitizer build cannot run under `ulimit -v` (its shadow memory is a huge
# reservation), so its allocator gets the limit instead.
config.substitutions.append((
    "%limit-memory",
    'export ASAN_OPTIONS="$ASAN_OPTIONS:max_allocation_size_mb=4000";'
    if config.credo_sanitize else "ulimit -v 4000000;"))

# cmake and a C++ compiler build examples/embed against a generated library.
if shutil.which("cmake") and shutil.which("clang++-19"):
    config.available_features.add("cmake")
config.substitutions.append(("%cmake", shutil.which("cmake") or "cmake"))

# Vulkan on the CPU: Mesa's lavapipe and the Khronos validation layer
# (mesa-vulkan-drivers, vulkan-validationlayers; scripts/install-deps.sh).
# %vulkan runs a command on lavapipe alone with validation on, so that any
# misuse of the API fails the test, synchronization validation included
# (a dispatch reading what an earlier one wrote without a barrier between
# them is a SYNC-HAZARD message).
lavapipe = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"
validation = "/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json"
if os.path.exists(lavapipe) and os.path.exists(validation):
    config.available_features.add("vulkan")
# Under the sanitizers, lavapipe's own leaks (allocations in its JIT code,
# which LeakSanitizer cannot attribute) are not reported; memory errors are.
vulkan_env = ("env VK_ICD_FILENAMES=%s VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation"
              " VK_LAYER_ENABLES=VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT"
              % lavapipe)
# --param vulkan_memory=staging (or mapped) runs every Vulkan test with that
# memory mode (CREDO_VULKAN_MEMORY; scripts/test.sh runs the sanitizer build
# in staging mode, so both modes are tested).
vulkan_memory = lit_config.params.get("vulkan_memory")
if vulkan_memory:
    vulkan_env += " CREDO_VULKAN_MEMORY=%s" % vulkan_memory
if config.credo_sanitize:
    vulkan_env += (" ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:"
                   "allocator_may_return_null=1")
config.substitutions.append(("%vulkan", vulkan_env))
# %lavapipe: lavapipe without the validation layer, for runs of many
# thousands of dispatches that validation would take minutes over (the
# same kernels run validated in the other tests).
lavapipe_env = vulkan_env.replace(
    " VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation", "").replace(
    " VK_LAYER_ENABLES=VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT",
    "")
config.substitutions.append(("%lavapipe", lavapipe_env))

# libm's expf is glibc's x86-64 build with fused multiply-adds on CPUs with
# FMA and AVX2, the code credo-expand-exp writes out (the CPU pipeline runs
# it there only).
try:
    cpu_flags = set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            cpu_flags = set(line.split(":", 1)[1].split())
            break
    if platform.machine() == "x86_64" and {"fma", "avx2"} <= cpu_flags:
        config.available_features.add("glibc-fma-expf")
except OSError:
    pass

# Debian's dataset-fashion-mnist package (installed by scripts/install-deps.sh).
if os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
    config.available_features.add("fashion-mnist")
