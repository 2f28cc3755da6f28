// The comparison with libm holds where libm's expf is the code the pass
// writes out: glibc on x86-64 with FMA and AVX2.
// REQUIRES: glibc-fma-expf
// RUN: credo-opt %s --pass-pipeline='builtin.module(credo-expand-exp)' | FileCheck %s
// RUN: credo-opt %s --pass-pipeline='builtin.module(credo-expand-exp,convert-scf-to-cf,convert-vector-to-llvm,finalize-memref-to-llvm,convert-math-to-llvm,convert-arith-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts)' > %t.mlir
// RUN: mlir-cpu-runner %t.mlir -e sweep -entry-point-result=i32 -O3 | FileCheck %s --check-prefix=SAME
// RUN: mlir-cpu-runner %t.mlir -e specials -entry-point-result=i32 -O3 | FileCheck %s --check-prefix=SAME

// The f32 exponential as glibc's expf computes it: in f64, k and r from one
// fused multiply-add each, 2^(k/32) from the table, the polynomial, the
// product rounded to f32; the limits and NaN by selects. f64 is left to
// libm, as are vectors.
// CHECK: memref.global "private" constant @__credo_exp2_32 : memref<32xi64> = dense<[4607182418800017408, 4607140297302181236,
// CHECK-LABEL: func.func @credo_exp
// CHECK-NOT: math.exp
// CHECK: %[[XD:.+]] = arith.extf %arg0 : f32 to f64
// CHECK: %[[KS:.+]] = math.fma %{{.+}}, %[[XD]], %{{.+}} : f64
// CHECK: %[[KI:.+]] = arith.bitcast %[[KS]] : f64 to i64
// CHECK: %[[K:.+]] = arith.subf %[[KS]]
// CHECK: %[[NK:.+]] = arith.negf %[[K]] : f64
// CHECK: math.fma %{{.+}}, %[[XD]], %[[NK]] : f64
// CHECK: %[[T:.+]] = memref.get_global @__credo_exp2_32 : memref<32xi64>
// CHECK: memref.load %[[T]]
// CHECK: arith.truncf %{{.+}} : f64 to f32
// CHECK: arith.cmpf ogt, %arg0
// CHECK: arith.cmpf olt, %arg0
// CHECK: %[[NAN:.+]] = arith.cmpf uno, %arg0, %arg0 : f32
// CHECK: arith.select %[[NAN]]
// CHECK-LABEL: func.func @vector_exp
// CHECK: math.exp %{{.+}} : vector<4xf32>

// (Not named exp: the JIT would resolve libm's own calls to it.)
func.func @credo_exp(%x: f32) -> f32 {
  %y = math.exp %x : f32
  return %y : f32
}

func.func @vector_exp(%x: vector<4xf32>) -> vector<4xf32> {
  %y = math.exp %x : vector<4xf32>
  return %y : vector<4xf32>
}

func.func private @expf(f32) -> f32

// 1 if exp(x) and libm's expf(x) differ in any bit, else 0.
func.func @differs(%x: f32) -> i32 {
  %y = func.call @credo_exp(%x) : (f32) -> f32
  %e = func.call @expf(%x) : (f32) -> f32
  %yi = arith.bitcast %y : f32 to i32
  %ei = arith.bitcast %e : f32 to i32
  %same = arith.cmpi eq, %yi, %ei : i32
  %zero = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %r = arith.select %same, %zero, %one : i32
  return %r : i32
}

// The number of inputs whose result differs from libm's: 4·10^6 points
// evenly spaced in [-105, 90] (0, subnormals, normals, +inf), and 4·10^6
// small magnitudes of both signs taken by their bit patterns (up to 2^-8).
// SAME: {{^0$}}
func.func @sweep() -> i32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 4000000 : index
  %m = arith.constant 2000000 : index
  %zero = arith.constant 0 : i32
  %lo = arith.constant -105.0 : f64
  %h = arith.constant 4.875e-05 : f64
  %grid = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> i32 {
    %ii = arith.index_cast %i : index to i64
    %fi = arith.sitofp %ii : i64 to f64
    %xs = arith.mulf %fi, %h : f64
    %xx = arith.addf %lo, %xs : f64
    %x = arith.truncf %xx : f64 to f32
    %u = func.call @differs(%x) : (f32) -> i32
    %r = arith.addi %acc, %u : i32
    scf.yield %r : i32
  }
  %stride = arith.constant 500 : i32
  %sign = arith.constant -2147483648 : i32
  %small = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %grid) -> i32 {
    %ii = arith.index_cast %i : index to i32
    %bits = arith.muli %ii, %stride : i32
    %p = arith.bitcast %bits : i32 to f32
    %nbits = arith.ori %bits, %sign : i32
    %q = arith.bitcast %nbits : i32 to f32
    %u = func.call @differs(%p) : (f32) -> i32
    %v = func.call @differs(%q) : (f32) -> i32
    %r0 = arith.addi %acc, %u : i32
    %r = arith.addi %r0, %v : i32
    scf.yield %r : i32
  }
  return %small : i32
}

// Special values, compared with libm the same way: NaN, ±inf, the limits of
// overflow and underflow and the floats next to them, ±0, and a subnormal
// result.
func.func @specials() -> i32 {
  %values = arith.constant dense<[0x7FC00000, 0x7F800000, 0xFF800000, 0x42B17217, 0x42B17218, 0xC2CFF1B4, 0xC2CFF1B5, 0x42B00000, 0xC2B00000, 0x0, 0x80000000, -100.0, 88.8, -104.0]> : vector<14xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c14 = arith.constant 14 : index
  %zero = arith.constant 0 : i32
  %r = scf.for %i = %c0 to %c14 step %c1 iter_args(%acc = %zero) -> i32 {
    %x = vector.extractelement %values[%i : index] : vector<14xf32>
    %u = func.call @differs(%x) : (f32) -> i32
    %s = arith.addi %acc, %u : i32
    scf.yield %s : i32
  }
  return %r : i32
}
