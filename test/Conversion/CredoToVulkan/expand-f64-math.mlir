// RUN: credo-opt %s --credo-expand-f64-math | FileCheck %s

// f64 exp, log, log1p and tanh become arithmetic and bit operations (GLSL
// has them for 32 bits only); f32 ones stay for the GLSL instructions.
// CHECK-LABEL: func.func @f64
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK-NOT: math.tanh
// CHECK-DAG: arith.bitcast %{{.*}} : f64 to i64
// CHECK-DAG: arith.shli
// CHECK-DAG: math.roundeven
// CHECK-DAG: math.copysign
// CHECK: return
func.func @f64(%x: f64) -> (f64, f64, f64, f64) {
  %a = math.exp %x : f64
  %b = math.log %x : f64
  %c = math.log1p %x : f64
  %d = math.tanh %x : f64
  return %a, %b, %c, %d : f64, f64, f64, f64
}

// CHECK-LABEL: func.func @f32
// CHECK: math.exp %{{.*}} : f32
// CHECK: math.log %{{.*}} : f32
// CHECK: math.tanh %{{.*}} : f32
func.func @f32(%x: f32) -> (f32, f32, f32) {
  %a = math.exp %x : f32
  %b = math.log %x : f32
  %d = math.tanh %x : f32
  return %a, %b, %d : f32, f32, f32
}

// powf (any width) becomes exp and log.
// CHECK-LABEL: func.func @pow
// CHECK-NOT: math.powf
func.func @pow(%x: f64, %y: f64) -> f64 {
  %p = math.powf %x, %y : f64
  return %p : f64
}
