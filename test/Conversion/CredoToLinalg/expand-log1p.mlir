// RUN: credo-opt %s --credo-expand-log1p | FileCheck %s

// log1p(x) = x where u = 1 + x rounds to 1, log(u) where u = +inf, else
// log(u) · x/(u − 1), in which the rounding error of u cancels (the
// log(1 + x) of convert-math-to-llvm loses a small x entirely; the
// numbers: check_ops.py's "near 0" cases of softplus against NumPy).
// CHECK-LABEL: func.func @scalar
// CHECK-NOT: math.log1p
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[U:.*]] = arith.addf %arg0, %[[ONE]] : f32
// CHECK: %[[D:.*]] = arith.subf %[[U]], %[[ONE]] : f32
// CHECK: %[[L:.*]] = math.log %[[U]] : f32
// CHECK: %[[Q:.*]] = arith.divf %arg0, %[[D]] : f32
// CHECK: %[[P:.*]] = arith.mulf %[[L]], %[[Q]] : f32
// CHECK: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK: %[[ISINF:.*]] = arith.cmpf oeq, %[[U]], %[[INF]] : f32
// CHECK: %[[Y:.*]] = arith.select %[[ISINF]], %[[L]], %[[P]] : f32
// CHECK: %[[ISONE:.*]] = arith.cmpf oeq, %[[U]], %[[ONE]] : f32
// CHECK: %[[R:.*]] = arith.select %[[ISONE]], %arg0, %[[Y]] : f32
// CHECK: return %[[R]] : f32
func.func @scalar(%x: f32) -> f32 {
  %y = math.log1p %x : f32
  return %y : f32
}

// Vectors and f64 alike.
// CHECK-LABEL: func.func @vector
// CHECK-NOT: math.log1p
// CHECK: math.log %{{.*}} : vector<4xf64>
func.func @vector(%x: vector<4xf64>) -> vector<4xf64> {
  %y = math.log1p %x : vector<4xf64>
  return %y : vector<4xf64>
}

// Kernels are left to the Vulkan pipeline (credo-kernel-arith).
// CHECK-LABEL: gpu.module @kernels
// CHECK: math.log1p
gpu.module @kernels {
  gpu.func @k(%x: f32) kernel {
    %y = math.log1p %x : f32
    gpu.return
  }
}
