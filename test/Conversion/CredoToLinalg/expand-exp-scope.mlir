// RUN: credo-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(credo-expand-exp,credo-expand-exp)' | FileCheck %s
// What credo-expand-exp leaves alone (on any host): f64 and vector exps, and
// an exp inside a GPU launch, which keeps its device's exponential. Run
// twice, it adds one table.

// CHECK-COUNT-1: memref.global "private" constant @__credo_exp2_32 : memref<32xi64>
// CHECK-NOT: memref.global
// CHECK-LABEL: func.func @host
// CHECK: gpu.launch
// CHECK: math.exp %arg0 : f32
// CHECK: gpu.terminator
// CHECK: math.fma
// CHECK: math.exp %{{.+}} : f64
// CHECK: math.exp %{{.+}} : vector<4xf32>
// CHECK: return
func.func @host(%x: f32, %d: f64, %v: vector<4xf32>, %m: memref<1xf32>) -> (f32, f64, vector<4xf32>) {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %e = math.exp %x : f32
    memref.store %e, %m[%c0] : memref<1xf32>
    gpu.terminator
  }
  %y = math.exp %x : f32
  %z = math.exp %d : f64
  %w = math.exp %v : vector<4xf32>
  return %y, %z, %w : f32, f64, vector<4xf32>
}

// -----

// The table's name taken by something else: an error, not a wrong load.
// expected-error @+1 {{credo-expand-exp: '__credo_exp2_32' names the exponential's table, a constant 'memref<32xi64>' global}}
func.func private @__credo_exp2_32()
func.func @f(%x: f32) -> f32 {
  %y = math.exp %x : f32
  return %y : f32
}
