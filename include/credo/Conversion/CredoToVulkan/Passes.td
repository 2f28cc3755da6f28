//===- Passes.td - credo → Vulkan compute ------------------*- tablegen -*-===//
//
// The Vulkan target's own passes: parallel loops become GPU kernels, the
// kernels SPIR-V embedded in the host code, and kernel launches calls of the
// runtime's Vulkan executor.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_CONVERSION_CREDOTOVULKAN_PASSES_TD
#define CREDO_CONVERSION_CREDOTOVULKAN_PASSES_TD

include "mlir/Pass/PassBase.td"

def CredoParallelDimsFirst : Pass<"credo-parallel-dims-first", "::mlir::func::FuncOp"> {
  let summary = "order each linalg.generic's loops with the parallel dimensions outermost";
  let description = [{
    `convert-linalg-to-parallel-loops` nests loops in iterator order, so a
    reduction before a parallel dimension (a bias gradient summing over the
    batch: [reduction, parallel]) becomes a sequential loop around a
    parallel one, that is one kernel launch per batch row. Interchanging
    the generic's loops (parallel dimensions first, each group in its
    order) makes it one kernel with a sequential loop inside each
    invocation.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CredoGpuMatmul : Pass<"credo-gpu-matmul", "::mlir::func::FuncOp"> {
  let summary = "turn linalg.matmul on buffers into a GPU kernel tiled through workgroup memory";
  let description = [{
    Each `linalg.matmul` (C += A·B, f32 or f64, static shapes, any static
    strides) becomes a `gpu.launch` of ⌈N/T⌉ × ⌈M/T⌉ workgroups of T × T
    invocations (`tile`, default 16). A workgroup computes one T × T tile
    of C: for each k-tile, every invocation loads one element of A and one
    of B into workgroup memory (zero outside the matrices), the workgroup
    synchronizes, and each invocation accumulates its T products from
    workgroup memory; the sum is added to C once. Each element of A and B
    is read from device memory ⌈N/T⌉ resp. ⌈M/T⌉ times instead of N resp.
    M times.

    ```mlir
    linalg.matmul ins(%a, %b : memref<128x784xf32>, memref<784x256xf32>)
                  outs(%c : memref<128x256xf32>)
    ```
    becomes
    ```mlir
    gpu.launch blocks(...) in (16, 8, 1) threads(...) in (16, 16, 1) {
      %as = memref.alloc() : memref<16x16xf32, 3>   // workgroup memory
      %bs = memref.alloc() : memref<16x16xf32, 3>
      scf.for %k0 = 0 to 784 step 16 { ... gpu.barrier ... gpu.barrier }
      ...
    }
    ```
  }];
  let options = [
    Option<"tile", "tile", "int64_t", "16",
           "the side of a workgroup's tile of C (tile × tile invocations)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CredoGpuContract : Pass<"credo-gpu-contract", "::mlir::func::FuncOp"> {
  let summary = "turn contractions (convolutions and their gradients, transposed products) into GPU kernels tiled through workgroup memory";
  let description = [{
    A `linalg.generic` on buffers (f32 or f64, static shapes) whose body is
    `out + a · b` (either order) and whose output is indexed by exactly its
    parallel loops is a contraction
    out[P] += Σ_R a[f_a(P, R)] · b[f_b(P, R)] with affine index maps f_a,
    f_b. Its parallel loops split into rows (used by a and not by b),
    columns (used by b only) and batch (used by both); with
    M = Π rows, N = Π columns, K = Π R it is, per batch element, the matrix
    product C[M × N] += A[M × K] · B[K × N] with
    A[m, k] = a[f_a(rows(m), R(k))], B[k, n] = b[f_b(columns(n), R(k))]
    (m, n, k delinearized, last loop fastest), computed as a tiled product
    of these implicit matrices: workgroups of T × T invocations (`tile`,
    default 16), each invocation computing a block of wm × wn outputs (rows
    wm·ty + i, columns wn·tx + j; wm = 4 when M ≥ 4T, 2 when M ≥ 2T, else
    1, wn alike,
    then the larger halved while the grid would have fewer than
    `target-groups` workgroups, default 128: a large GPU has over a hundred
    compute units), so ⌈N/(wn·T)⌉ × ⌈M/(wm·T)⌉ × batch workgroups. For each k-tile of T,
    every invocation stages its own wm rows of A at step k0 + tx and its wn
    columns of B at step k0 + ty (zero outside) in workgroup memory, each
    as one vector (`memref<T × T × vector<wm × e>>`, indexed [step][ty],
    and [step][tx] for B), the workgroup synchronizes, and at each step an
    invocation reads its operands with two vector loads and accumulates its
    wm·wn sums; the sums are added to the output once.
    Where an invocation's wm rows of A (or wn columns of B) at one step are
    wm consecutive elements of the operand's buffer starting at a multiple
    of wm — the innermost row loop is exactly the buffer's last index and
    appears in no other, wm divides its range and the buffer's last
    dimension, identity layout: the rows of Aᵀ in a weight gradient xᵀ·dy,
    the columns of a row-major B — they are read from device memory as one
    `vector<wm × e>` too, through a view of the buffer as vectors
    (`builtin.unrealized_conversion_cast` to `memref<… × n/wm ×
    vector<wm × e>>` on the host side: SPIR-V's logical addressing cannot
    reinterpret a pointer, so the kernel takes a storage buffer of vectors,
    and `credo-gpu-to-vulkan-calls` binds the buffer under the cast).
    Where instead a line's wm consecutive reduction steps (from a multiple
    of wm) are consecutive, aligned elements — the same conditions for the
    innermost reduction loop, and wm divides T: a row-major A, B = wᵀ, the
    output gradient of a filter gradient — the tile is loaded by steps:
    each of the first T·T/wm invocations (the last ones for B) loads, for
    the wm lines of group number / (T/wm), wm steps from
    k0 + wm·(number mod T/wm) as wm vectors, and stores them transposed,
    one vector of the group's lines per step.
    Each element of A is read from device memory ⌈N/(wn·T)⌉ times instead
    of N times.

    Named convolutions (`linalg.conv_2d_nchw_fchw`) are first written as
    generics, and so are `linalg.matmul`s that pass the thresholds below
    (the others stay for `credo-gpu-matmul`, which runs after this pass). A convolution forward is rows (batch, y, x) × columns (filter)
    over (channel, ky, kx); its filter gradient rows (channel, ky, kx) ×
    columns (filter) over (batch, y, x); its input gradient (written over a
    zero-padded gradient) rows (batch, y, x) × columns (channel) over
    (filter, ky, kx). Contractions with no row or no column loop, a
    reduction shorter than 256, or fewer than 8 workgroups of T × T are
    left to `credo-parallel-to-gpu` (one invocation per output).

    ```mlir
    linalg.generic {indexing_maps = [affine_map<(o, c, p, q, b, i, j) -> (b, c, i + p, j + q)>,
                                     affine_map<(o, c, p, q, b, i, j) -> (b, o, i, j)>,
                                     affine_map<(o, c, p, q, b, i, j) -> (o, c, p, q)>],
                    iterator_types = ["parallel", "parallel", "parallel", "parallel",
                                      "reduction", "reduction", "reduction"]}
        ins(%x, %dy : memref<8x16x12x12xf32>, memref<8x32x10x10xf32>)
        outs(%dw : memref<32x16x3x3xf32>)
    ```
    (M = 144, N = 32, K = 800) becomes a `gpu.launch` of 1 × 3 × 1
    workgroups of 16 × 16 invocations, each computing 4 × 2 outputs from
    `memref<64x16xf32, 3>` and `memref<16x32xf32, 3>` tiles.
  }];
  let options = [
    Option<"tile", "tile", "int64_t", "16",
           "the side of a workgroup's tile of the output (tile × tile invocations)">,
    Option<"targetGroups", "target-groups", "int64_t", "128",
           "halve the outputs per invocation while the grid has fewer workgroups than this">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect"];
}

def CredoGpuReduce : Pass<"credo-gpu-reduce", "::mlir::ModuleOp"> {
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect"];
  let summary = "run reductions (full, or long ones per output) and scalar computations on buffers as workgroup kernels";
  let description = [{
    A `linalg.generic` without parallel dimensions becomes no parallel
    loop, so `credo-parallel-to-gpu` would leave it on the host: the host
    then waits for every kernel before it (a mean loss, a penalty, the
    scalar arithmetic after them). This pass makes it a kernel instead.
    A reduction with outputs (its output indexed by exactly its parallel
    loops) whose outputs each reduce at least 128 steps, with at most
    16,384 outputs (a bias gradient over a large batch, a product with few
    outputs and a long sum), gets one workgroup of up to 64 invocations per
    output in the same way, instead of one invocation looping over the
    whole reduction.

    A full reduction (only reduction loops, one rank-0 output, a body that
    yields `c(acc, g(...))` for one of the associative combiners
    `arith.addf|mulf|maxnumf|minnumf|maximumf|minimumf|addi|muli|andi|ori|
    xori|maxsi|minsi|maxui|minui` with the accumulator used nowhere else)
    runs in one workgroup of W = min(256, 2^⌈log2 N⌉) invocations over its
    N = Π ranges iterations (per output: W ≤ 64, N its reduction steps; the
    grid has one workgroup per output, split over y above 65,535):
    invocation t folds iterations t, t + W, …
    starting from the combiner's identity (−0.0 for addf, NaN for
    maxnumf/minnumf, ±inf for maximumf/minimumf, …), the W partial values
    are combined pairwise in workgroup memory (log2 W steps between
    barriers), and invocation 0 stores c(out, partial). A generic with no
    loops at all runs as one invocation.

    The order of the additions differs from the host's sequential loop (a
    float sum may differ in the last bits). A generic whose result the host
    code loads or passes to a call (a label range check before a runtime
    error) stays on the host: it needs the value there anyway.

    ```mlir
    linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>,
                                     affine_map<(d0) -> ()>],
                    iterator_types = ["reduction"]}
        ins(%x : memref<128xf32>) outs(%sum : memref<f32>) {
    ^bb0(%in: f32, %acc: f32):
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
    ```
    becomes a `gpu.launch` of one workgroup of 128 invocations with a
    `memref<128xf32, 3>` of partial sums and seven halving steps.

    Sums (addf, addi on f32 and i32) also get a kernel that uses
    subgroup operations (`subgroups`, default on): each subgroup adds its
    invocations' values with `gpu.subgroup_reduce add`, the invocation with
    the lowest number in each (a subgroup `minui` of the numbers) writes
    the sum to workgroup memory at its subgroup's id, and invocation 0 adds
    the ⌈W / subgroup size⌉ sums. The host code calls
    `credo_rt_vk_subgroup_reduce()` and launches that kernel when the
    device has subgroup arithmetic in compute kernels, the
    workgroup-memory one otherwise (`credo-attach-spirv-abi` gives a kernel
    with subgroup operations SPIR-V 1.3).
  }];
  let options = [
    Option<"subgroups", "subgroups", "bool", "true",
           "also emit the subgroup-operation kernel of each sum, chosen at run time">,
  ];

}

def CredoParallelToGpu : Pass<"credo-parallel-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "turn each outermost scf.parallel into a gpu.launch of one invocation per iteration";
  let description = [{
    Every `scf.parallel` without results that is not nested in another one
    becomes a `gpu.launch`: its N = Π_d ⌈(ub_d − lb_d) / step_d⌉ iterations
    are numbered i = (block_y · grid_x + block_x) · W + thread_x with
    workgroups of W invocations (`workgroup-size`, default 64), and the
    invocation with i < N runs the body at the iteration that i
    delinearizes to (last dimension fastest). The grid is
    ⌈N / W⌉ workgroups, split over y when that exceeds 65,535 (the
    smallest `maxComputeWorkGroupCount` Vulkan allows). Loops with
    reductions stay as they are, and run on the host.

    Before:
    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c256) step (%c1, %c1) {
      %v = memref.load %b[%j] : memref<256xf32>
      memref.store %v, %y[%i, %j] : memref<4x256xf32>
    }
    ```
    After (simplified):
    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c16, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%wx = %c64, %wy = %c1, %wz = %c1) {
      %n = ... (%by * %gx + %bx) * 64 + %tx
      scf.if (%n < 1024) { %i = %n / 256; %j = %n % 256; ... }
      gpu.terminator
    }
    ```
  }];
  let options = [
    Option<"workgroupSize", "workgroup-size", "int64_t", "64",
           "invocations per workgroup (x dimension)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def CredoMarkVulkanResults : Pass<"credo-mark-vulkan-results", "::mlir::ModuleOp"> {
  let summary = "record how many results each function has, for the copies back to the caller";
  let description = [{
    Sets `credo.vk_outputs` on every function with a body to its number of
    results: after bufferization they are its last arguments, which
    `credo-gpu-to-vulkan-calls` copies from device memory to the caller's
    on return. The first pass of `credo-vulkan-pipeline`.
  }];
}

def CredoVulkanAllocator : Pass<"credo-vulkan-allocator", "::mlir::ModuleOp"> {
  let summary = "allocate the host code's buffers from the Vulkan executor's device memory";
  let description = [{
    After `finalize-memref-to-llvm`: the generic allocation functions
    `_mlir_memref_to_llvm_alloc` / `_free` become `credo_rt_vk_alloc` /
    `credo_rt_vk_free` (device memory mapped for the host, sub-allocated
    from the executor's blocks).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def CredoExpandF64Math : Pass<"credo-expand-f64-math"> {
  let summary = "expand f64 exp, log, log1p, tanh and powf into arithmetic that SPIR-V has";
  let description = [{
    GLSL.std.450's Exp, Log and Tanh take 16- and 32-bit floats only, so
    f64 kernels (gradient checks run in f64) compute them from arithmetic
    and bit operations, to about 1 ulp:

    - exp(x) = 2^n (1 + r p(r)), n = round(x / ln 2), r = x − n ln 2 (ln 2
      in two parts), p the Taylor polynomial of (e^r − 1)/r to degree 13;
      2^n built from exponent bits in two factors (subnormal results);
      x > 709.78 gives +inf, x < −745.2 gives 0;
    - log(x) = e ln 2 + 2 atanh(s), x = m 2^e with m in [√½, √2),
      s = (m − 1)/(m + 1), the atanh series to s^21 (subnormal x scaled by
      2^54 first; 0 gives −inf, negative x NaN, +inf and NaN themselves);
    - log1p(x) = log(u) − ((u − 1) − x)/u with u = 1 + x;
    - tanh(x) = t/(t + 2) with t = e^{2x} − 1 from the same polynomial for
      |x| < 0.17, else sign(x)(1 − 2/(e^{2|x|} + 1));
    - powf by MLIR's expansion into exp and log (all widths).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def CredoKernelArith : Pass<"credo-kernel-arith"> {
  let summary = "give kernels forms of arithmetic whose result every Vulkan driver agrees on";
  let description = [{
    Seven rewrites inside kernels, each with the CPU's result, and one
    check:

    - `arith.cmpi P, (arith.index_cast %i : index to iN), C` with a
      constant C that the index type holds (non-negative for unsigned
      predicates) becomes `arith.cmpi P, %i, C : index` (the cast
      sign-extends, so the truth value is the same). Mesa's lavapipe
      (Debian 12) evaluates the 64-bit `SConvert` + `SLessThan` against a
      constant as always false, which made the hyperlayer's sampler pick
      the wrong kind of point.
    - `arith.divf %x, C` with C = ±0 becomes the IEEE quotient written out:
      NaN where %x is 0 or NaN, else an infinity with the sign of %x·C.
      Vulkan leaves division by zero undefined, and lavapipe folds it to
      0, so a diverging update (w / 0) looked finite.
    - An `scf.for` with results whose bounds are not constants with
      lb < ub goes under `scf.if (lb < ub)` that yields the initial values
      otherwise: MLIR 19's SPIR-V form of such a loop keeps each result in
      a variable only the loop body stores, so a loop that runs no
      iteration returned undefined values (lavapipe: 0) — a workgroup
      reduction's invocations with no element of their own contributed 0
      instead of the combiner's identity.
    - An `scf.for` that may run more than 4096 passes (by its constant
      upper bound and step) is unrolled 8 times, or as many more times (a
      power of two, at most 256) as keep it within 32768 passes: the same
      iterations in the same order, and a remainder loop. Mesa's llvmpipe
      ends an invocation's loops after 65535 passes in all, as if they had
      run to their end, so a workgroup that summed 5 million elements
      returned the sum of about a million, and a full sum of 2^27 terms
      (2^19 in each of 256 invocations, unrolled 8 times) lost some.
    - A kernel that counts past 2^31 − 2^17 (an index constant beyond it:
      its elements, or a reduction's terms) is an error naming its node:
      the kernels index with 32-bit integers, and the count, or a loop's
      last increment near it (up to 256 lanes × 256 unrolled terms), would
      wrap (a sum of 2^31 terms returned 0). The pass budget above is per
      loop; lavapipe's is per invocation, so two long loops in one kernel,
      or nested loops whose product is long, can still exceed it.
    - f32 `math.tanh(x)` for |x| < 0.3 becomes its odd Taylor polynomial
      through x¹¹ (relative error below 1e-8 there): lavapipe's tanh,
      (e^2x − 1)/(e^2x + 1), cancels near 0 (tanh(1e-30) gave 3e-8).
    - f32 `math.log1p` as `credo-expand-log1p` writes it (MLIR's SPIR-V
      form is log(1 + x): softplus(−20) was 0).
    - f32 `math.exp(x)` becomes 2^n · exp(r), n = round(x / ln 2),
      r = x − n·0.693359375 − n·(−2.12194440e−4) (ln 2 in two parts, the
      first product exact), so the driver's exp sees |r| ≤ ln 2 / 2 only;
      2^n from exponent bits in two factors (subnormal results stay where
      the driver keeps subnormals; Vulkan lets it flush them),
      x > 88.7228 gives +inf, x < −103.972 gives 0, NaN stays NaN. GLSL
      lets exp(x) be off by 3 + 2|x| ulp, and lavapipe's is: a sigmoid or
      softmax term at x = −80 had a relative error of 3.7e-6 (62 ulp),
      now 2.7e-7 as on the CPU.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect"];
}

def CredoPreserveInfNan : Pass<"credo-preserve-inf-nan", "::mlir::spirv::ModuleOp"> {
  let summary = "ask for IEEE infinities, NaN and signed zeros in every kernel";
  let description = [{
    Vulkan lets a shader treat infinities and NaN as undefined unless the
    entry point has the `SignedZeroInfNanPreserve` execution mode
    (SPV_KHR_float_controls). Every entry point gets the mode for 32-bit
    floats, and for 64-bit ones when the module uses f64; the executor
    enables VK_KHR_shader_float_controls and refuses a device that cannot
    preserve them (a diverging update must come out non-finite, as on the
    CPU, for training to stop with a message).
  }];
}

def CredoScalarsToPushConstants : Pass<"credo-scalars-to-push-constants", "::mlir::spirv::ModuleOp"> {
  let summary = "pass a kernel's scalar arguments as push constants";
  let description = [{
    Runs after `spirv-lower-abi-attrs`, which gives every kernel argument a
    storage buffer of its own: a scalar argument (an index, a learning
    rate) would cost a descriptor and a slot in a buffer per dispatch.
    Instead the scalars become the members of one push-constant block, in
    argument order, each at the next offset aligned to its size (4 or 8
    bytes) — the layout the executor writes with `vkCmdPushConstants`.
    Their storage-buffer variables, bindings and loads are replaced by
    loads of the block's members; the module gets the unit attribute
    `credo.push_constants`, by which `credo-gpu-to-vulkan-calls` marks the
    scalars of its dispatches (`CREDO_VK_ARG_PUSH`). A kernel whose scalars
    need more than 128 bytes (the least every Vulkan device offers) keeps
    them in storage buffers.

    ```mlir
    // before
    spirv.GlobalVariable @k_arg_1 bind(0, 1) : !spirv.ptr<!spirv.struct<(f32 [0])>, StorageBuffer>
    %p = spirv.mlir.addressof @k_arg_1 : ...
    %a = spirv.AccessChain %p[%c0] : ...
    %v = spirv.Load "StorageBuffer" %a : f32
    // after
    spirv.GlobalVariable @__credo_push_constants : !spirv.ptr<!spirv.struct<(f32 [0], i32 [4])>, PushConstant>
    %p = spirv.mlir.addressof @__credo_push_constants : ...
    %a = spirv.AccessChain %p[%c0] : ...
    %v = spirv.Load "PushConstant" %a : f32
    ```
  }];
}

def CredoAttachSpirvAbi : Pass<"credo-attach-spirv-abi", "::mlir::ModuleOp"> {
  let summary = "give GPU kernels the SPIR-V target environment and entry-point ABI of Vulkan compute";
  let description = [{
    Every `gpu.module` gets a `spirv.target_env` (SPIR-V 1.0, Vulkan's
    storage-buffer class; the Shader, Int64 and Float64 capabilities may
    be used, and `spirv-update-vce` then records only what a kernel does
    use) and every kernel a `spirv.entry_point_abi` whose workgroup size is
    the `known_block_size` that outlining recorded, so that
    `convert-gpu-to-spirv` can lower them.
  }];
  let dependentDialects = ["::mlir::spirv::SPIRVDialect"];
}

def CredoGpuToVulkanCalls : Pass<"credo-gpu-to-vulkan-calls", "::mlir::ModuleOp"> {
  let summary = "embed each kernel's SPIR-V in the module and launch it through the runtime's Vulkan executor";
  let description = [{
    Runs after `convert-gpu-to-spirv`. Each `spirv.module` is serialized
    and kept as a constant `memref.global` of its words (with the entry
    point's name), so that the compiled model needs no file at run time;
    the `gpu.module`s and `spirv.module`s are then erased. In the host
    functions:

    - each `gpu.launch_func` becomes a call of
      `credo_rt_vk_dispatch(words, count, entry, label, gx, gy, gz, n,
      args)`, whose `label` names the kernel for profiles and errors
      ("train_step fc1 #2": function, graph node, number) and whose
      `args` hold, per kernel argument, the aligned address of a buffer or
      a scalar's bits with its kind;
    - public functions copy their memref arguments into device memory on
      entry (`credo_rt_vk_copy`), and their results (the arguments after
      the first `credo.vk_inputs`) back to the caller's on return;
    - every host operation that reads or writes memory is preceded by
      `credo_rt_vk_sync()`, which submits the recorded dispatches and waits
      for them (nothing when none is pending).

    Buffers the host code allocates come from the executor's device
    memory (`credo_rt_vk_alloc`, mapped for the host); the target renames
    the allocation functions after `finalize-memref-to-llvm`.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // CREDO_CONVERSION_CREDOTOVULKAN_PASSES_TD
