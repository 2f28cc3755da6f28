// RUN: credo-opt %s --convert-credo-to-linalg | FileCheck %s
// Elementwise ops become one elementwise linalg.generic each; softmax is
// max-reduce, exp, sum-reduce, divide.

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>

// CHECK-LABEL: func.func @arith
func.func @arith(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
  // CHECK: arith.addf
  %s = credo.add %a, %b : tensor<2x3xf32>
  // CHECK: arith.subf
  %d = credo.sub %s, %b : tensor<2x3xf32>
  // CHECK: arith.mulf
  %m = credo.mul %d, %a : tensor<2x3xf32>
  return %m : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // relu: max(x, 0)
  // CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
  // CHECK: arith.maximumf %{{.+}}, %[[Z]]
  %r = credo.relu %x : tensor<2x3xf32>
  // sigmoid: 1 / (1 + exp(-x))
  // CHECK: arith.negf
  // CHECK: math.exp
  // CHECK: arith.addf
  // CHECK: arith.divf
  %s = credo.sigmoid %r : tensor<2x3xf32>
  // CHECK: math.tanh
  %t = credo.tanh %s : tensor<2x3xf32>
  // softplus: max(x, 0) + log1p(exp(-|x|))
  // CHECK: arith.maximumf
  // CHECK: math.absf
  // CHECK: arith.negf
  // CHECK: math.exp
  // CHECK: math.log1p
  // CHECK: arith.addf
  %p = credo.softplus %t : tensor<2x3xf32>
  return %p : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @softmax
func.func @softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
  // CHECK: arith.maximumf
  // CHECK: %[[EXP:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], {{.*}} ins(%{{.+}}, %[[MAX]]
  // CHECK: math.exp
  // CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[EXP]]
  // CHECK: linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]]
  // CHECK: arith.divf
  %y = credo.softmax %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// scale multiplies by its factor.
// CHECK-LABEL: func.func @scale
// CHECK: linalg.generic
// CHECK: %[[F:.+]] = arith.constant 2.500000e-01 : f32
// CHECK: arith.mulf %{{.+}}, %[[F]] : f32
func.func @scale(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %y = credo.scale %x {factor = 0.25 : f64} : tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// div: the safe form selects 0 where the divisor is 0.
// CHECK-LABEL: func.func @div
// CHECK: arith.divf
// CHECK: arith.cmpf oeq
// CHECK: arith.select
func.func @div(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = credo.div %x, %y : tensor<4xf32>
  %b = credo.div %x, %y {safe} : tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}
