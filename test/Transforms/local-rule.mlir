// RUN: credo-opt %s --credo-local-rule | FileCheck %s
// RUN: credo-opt %s --credo-local-rule --credo-train-step | FileCheck %s --check-prefix=STEP
// The rule "local": each update expression of credo.training's `updates`
// compiles to credo ops in @gradients, which returns minus the update
// (credo-train-step's θ − lr·g then steps θ + lr·Δθ). Per-sample products
// are einsums over the batch letter b; outer products average over it.

#loc = loc("test/Integration/cpu/Inputs/local/local_tiny.json":20:12)
#loc1 = loc("test/Integration/cpu/Inputs/local/local_tiny.json":19:12)
#loc2 = loc("test/Integration/cpu/Inputs/local/local_tiny.json":21:12)
module @local_tiny attributes {credo.format_version = 2 : i64, credo.training = #credo.training<rule = "local", loss = "loss", optimizer = #credo.optimizer<kind = "sgd", lr = 5.000000e-01 : f64, momentum = 0.000000e+00 : f64, weight_decay = 0.000000e+00 : f64>, batch_size = 16, epochs = 1, seed = 7, dataset = {name = "npy", test_labels = "y.npy", test_x = "x.npy", train_labels = "y.npy", train_x = "x.npy"}, options = {constants = {eta = 3.000000e-01 : f64}, updates = {b1 = {expr = "mean(reward * post) / 2", loc = #loc}, w1 = {expr = "eta * reward * pre \E2\8A\97 (post - mean(post))", loc = #loc1}, w2 = {expr = "pre \E2\8A\97 post - mean(post^2) * w", loc = #loc2}}}>} {
  credo.param @w1 : tensor<6x5xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = 1>
  credo.param @b1 : tensor<5xf32> init #credo.init<uniform, low = -5.000000e-01, high = 5.000000e-01, seed = 2>
  credo.param @w2 : tensor<5x3xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = 3>
  credo.param @v : tensor<6x1xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = 4>
  func.func @forward(%arg0: tensor<4x6xf32> {credo.name = "x"}, %arg1: tensor<4xi32> {credo.name = "labels"}) -> (tensor<4x3xf32> {credo.name = "logits"}, tensor<4xf32> {credo.name = "reward"}, tensor<f32> {credo.name = "loss"}) {
    %0 = credo.get_param @w1 : tensor<6x5xf32>
    %1 = credo.get_param @b1 : tensor<5xf32>
    %2 = credo.get_param @v : tensor<6x1xf32>
    %3 = credo.get_param @w2 : tensor<5x3xf32>
    %4 = credo.dense %arg0, %0, %1 : (tensor<4x6xf32>, tensor<6x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
    %5 = credo.dense %arg0, %2 : (tensor<4x6xf32>, tensor<6x1xf32>) -> tensor<4x1xf32>
    %6 = credo.tanh %4 : tensor<4x5xf32>
    %7 = credo.reshape %5 {shape = array<i64: 4>} : tensor<4x1xf32> -> tensor<4xf32>
    %8 = credo.dense %6, %3 : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
    %9 = credo.softmax_cross_entropy %8, %arg1 : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
    return %8, %7, %9 : tensor<4x3xf32>, tensor<4xf32>, tensor<f32>
  }
}

// CHECK-LABEL: func.func @gradients
// CHECK-SAME: -> (tensor<f32> {credo.name = "loss"}, tensor<6x5xf32> {credo.name = "grad.w1"}, tensor<5xf32> {credo.name = "grad.b1"}, tensor<5x3xf32> {credo.name = "grad.w2"}, tensor<6x1xf32> {credo.name = "grad.v"})
// CHECK: %[[W2:.+]] = credo.get_param @w2
// CHECK: %[[H:.+]] = credo.tanh
// CHECK: %[[R:.+]] = credo.reshape
// CHECK: %[[Z:.+]] = credo.dense %[[H]], %[[W2]]
// b1: mean(reward * post) / 2
// CHECK: %[[RH:.+]] = credo.einsum %[[R]], %[[H]] {spec = "b,bj->bj"}
// CHECK: %[[M:.+]] = credo.einsum %[[RH]] {spec = "bj->j"}
// CHECK: credo.scale %[[M]] {factor = 2.500000e-01 : f64}
// CHECK: credo.div
// w1: eta * reward * pre ⊗ (post - mean(post))
// CHECK: %[[ER:.+]] = credo.einsum %{{.+}}, %[[R]] {spec = ",b->b"}
// CHECK: %[[ERX:.+]] = credo.einsum %[[ER]], %arg0 {spec = "b,bj->bj"}
// CHECK: %[[C:.+]] = credo.sub %[[H]], %{{.+}} : tensor<4x5xf32>
// CHECK: %[[O:.+]] = credo.einsum %[[ERX]], %[[C]] {spec = "bi,bj->ij"}
// CHECK: %[[OM:.+]] = credo.scale %[[O]] {factor = 2.500000e-01 : f64}
// CHECK: %[[G1:.+]] = credo.scale %[[OM]] {factor = -1.000000e+00 : f64}
// w2: pre ⊗ post - mean(post^2) * w (Oja)
// CHECK: credo.einsum %[[H]], %[[Z]] {spec = "bi,bj->ij"}
// CHECK: %[[Z2:.+]] = credo.einsum %[[Z]], %[[Z]] {spec = "bj,bj->bj"}
// CHECK: credo.einsum %{{.+}}, %[[W2]] {spec = "j,ij->ij"}
// v has no update: zeros.
// CHECK: %[[ZV:.+]] = arith.constant dense<0.000000e+00> : tensor<6x1xf32>
// CHECK: return %{{.+}}, %[[G1]], %{{.+}}, %{{.+}}, %[[ZV]]

// STEP-LABEL: func.func @train_step
// STEP-COUNT-3: credo.sgd_update
// STEP-NOT: credo.sgd_update
