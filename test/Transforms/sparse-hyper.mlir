// RUN: credo-opt %s --credo-autodiff | FileCheck %s
// RUN: credo-opt %s --credo-autodiff="wrt-inputs=x" | FileCheck %s --check-prefix=WRT
// @forward keeps the evaluation form of the sparse hyperlayer (rounded
// means); @gradients is built from its training form: sampled points,
// duplicates masked, normalised densities, the values spread over the
// points, the sparse contraction. Gradients reach the means, spreads and
// values only through the densities; the integer points get none.

module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @mu : tensor<8x2xf32> init #credo.init<normal, std = 1.0, seed = 1>
  credo.param @sigma : tensor<8x2xf32> init #credo.init<normal, std = 1.0, seed = 2>
  credo.param @values : tensor<8xf32> init #credo.init<normal, std = 1.0, seed = 3>
  credo.param @rng : tensor<2xi64> init #credo.init<generator, seed = 5>

  func.func @forward(%x: tensor<4x8xf32> {credo.name = "x"}) -> (tensor<f32> {credo.name = "loss"}) {
    %mt = credo.get_param @mu : tensor<8x2xf32>
    %st = credo.get_param @sigma : tensor<8x2xf32>
    %v = credo.get_param @values : tensor<8xf32>
    %g = credo.get_param @rng : tensor<2xi64>
    %y = credo.sparse_hyper %x, %mt, %st, %v, %g {units = 8 : i64, stream = 1 : i64} : tensor<4x8xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8xf32>, tensor<2xi64> -> tensor<4x8xf32>
    %l = credo.mse %y, %x : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @forward
// CHECK: credo.sparse_hyper
// CHECK-NOT: credo.hyper_sample
// CHECK-LABEL: func.func @gradients
// CHECK-NOT: credo.sparse_hyper
// CHECK: %[[MU:.+]], %[[S2:.+]] = credo.hyper_params %[[MT:.+]], %[[ST:.+]] {size = array<i64: 8, 8>}
// CHECK: %[[P:.+]] = credo.hyper_sample %[[MU]], %{{.+}} {size = array<i64: 8, 8>, stream = 1 : i64} : tensor<8x2xf32>, tensor<2xi64> -> tensor<8x12x2xi64>
// CHECK: %[[M:.+]] = credo.index_dedup %[[P]] : tensor<8x12x2xi64> -> tensor<8x12xf32>
// CHECK: %[[RHO:.+]] = credo.gaussian_density %[[P]], %[[MU]], %[[S2]], %[[M]]
// CHECK: %[[W:.+]] = credo.einsum %[[RHO]], %[[V:.+]] {spec = "kp,k->kp"}
// CHECK: %[[Y:.+]] = credo.sparse_contract %[[P]], %[[W]], %[[X:.+]] {size = 8 : i64}
// CHECK: credo.mse_grad
// The weights' gradient: two gathers, summed over the batch.
// CHECK: %[[GY:.+]] = credo.gather %{{.+}}, %[[P]] : tensor<4x8xf32>, tensor<8x12x2xi64> -> tensor<4x8x12xf32>
// CHECK: %[[GX:.+]] = credo.gather %[[X]], %[[P]] {column = 1 : i64}
// CHECK: %[[DW:.+]] = credo.einsum %[[GY]], %[[GX]] {spec = "bcd,bcd->cd"}
// CHECK: %[[DRHO:.+]] = credo.einsum %[[DW]], %[[V]] {spec = "kp,k->kp"}
// CHECK: %[[DV:.+]] = credo.einsum %[[DW]], %[[RHO]] {spec = "kp,kp->k"}
// CHECK: %[[DMU:.+]], %[[DS2:.+]] = credo.gaussian_density_grad %[[DRHO]], %[[P]], %[[MU]], %[[S2]], %[[M]]
// CHECK: %[[DMT:.+]], %[[DST:.+]] = credo.hyper_params_grad %[[DMU]], %[[DS2]], %[[MT]], %[[ST]]
// CHECK: return %{{.+}}, %[[DMT]], %[[DST]], %[[DV]], %{{.+}} :

// The input's gradient: the contraction with the columns swapped.
// WRT-LABEL: func.func @gradients
// WRT: credo.sparse_contract %{{.+}}, %{{.+}}, %{{.+}} {columns = array<i64: 1, 0>, size = 8 : i64}
