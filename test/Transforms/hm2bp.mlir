// RUN: credo-opt %s --credo-hm2bp | FileCheck %s
// RUN: credo-opt %s --credo-hm2bp --credo-train-step | FileCheck %s --check-prefix=STEP
// HM2-BP builds @gradients without backpropagation through time: the
// forward loop records every layer's spike trains (input first), and after
// it come spike counts, S-PSPs, the macro error from the loss's gradient
// rule, the deltas and weight gradients as einsums; credo-train-step then
// applies the optimizer.

module @hm2bp_tiny attributes {credo.format_version = 2 : i64, credo.training = #credo.training<rule = "hm2bp", loss = "loss", optimizer = #credo.optimizer<kind = "sgd", lr = 5.000000e-02 : f64, momentum = 0.000000e+00 : f64, weight_decay = 0.000000e+00 : f64>, batch_size = 16, epochs = 1, seed = 1, dataset = {name = "npy", test_labels = "y.npy", test_x = "x.npy", train_labels = "y.npy", train_x = "x.npy"}>} {
  credo.param @w1 : tensor<8x6xf32> init #credo.init<uniform, low = -5.000000e-01, high = 2.000000e+00, seed = 1>
  credo.param @w2 : tensor<6x3xf32> init #credo.init<uniform, low = -5.000000e-01, high = 2.000000e+00, seed = 2>
  func.func @forward(%arg0: tensor<2x30x8xf32> {credo.name = "x"}, %arg1: tensor<2xi32> {credo.name = "labels"}) -> (tensor<2x3xf32> {credo.name = "counts"}, tensor<f32> {credo.name = "loss"}) {
    %0 = credo.get_param @w1 : tensor<8x6xf32>
    %1 = credo.get_param @w2 : tensor<6x3xf32>
    %cst = arith.constant dense<0.000000e+00> : tensor<2x6xf32>
    %cst_0 = arith.constant dense<0.000000e+00> : tensor<2x6xf32>
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<2x6xf32>
    %cst_2 = arith.constant dense<0.000000e+00> : tensor<2x3xf32>
    %cst_3 = arith.constant dense<0.000000e+00> : tensor<2x3xf32>
    %cst_4 = arith.constant dense<0.000000e+00> : tensor<2x3xf32>
    %2:7 = credo.time_loop steps 30 iter_args(%cst, %cst_0, %cst_1, %cst_2, %cst_3, %cst_4 : tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<30x2x3xf32>) {
    ^bb0(%t: index, %arg2: tensor<2x6xf32>, %arg3: tensor<2x6xf32>, %arg4: tensor<2x6xf32>, %arg5: tensor<2x3xf32>, %arg6: tensor<2x3xf32>, %arg7: tensor<2x3xf32>):
      %5 = credo.time_slice %arg0[%t] {axis = 1 : i64} : tensor<2x30x8xf32> -> tensor<2x8xf32>
      %6 = credo.dense %5, %0 : (tensor<2x8xf32>, tensor<8x6xf32>) -> tensor<2x6xf32>
      %7:4 = credo.lif %6 state(%arg2, %arg3, %arg4 : tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>) {model = #credo.lif_model<current>, reset = #credo.lif_reset<zero>, t_ref = 1 : i64, tau_m = 1.000000e+01 : f64, tau_s = 3.000000e+00 : f64, threshold = 2.000000e+00 : f64} : tensor<2x6xf32>
      %8 = credo.dense %7#3, %1 : (tensor<2x6xf32>, tensor<6x3xf32>) -> tensor<2x3xf32>
      %9:4 = credo.lif %8 state(%arg5, %arg6, %arg7 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {model = #credo.lif_model<current>, reset = #credo.lif_reset<zero>, t_ref = 2 : i64, tau_m = 8.000000e+00 : f64, tau_s = 2.000000e+00 : f64, threshold = 1.500000e+00 : f64} : tensor<2x3xf32>
      credo.yield %7#0, %7#1, %7#2, %9#0, %9#1, %9#2 : tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32> record %9#3 : tensor<2x3xf32>
    }
    %3 = credo.spike_count %2#6 : tensor<30x2x3xf32> -> tensor<2x3xf32>
    %4 = credo.count_margin_loss %3, %arg1 {high = 6.000000e+00 : f64, low = 1.000000e+00 : f64, margin = 5.000000e-01 : f64} : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
    return %3, %4 : tensor<2x3xf32>, tensor<f32>
  }
}

// CHECK-LABEL: func.func @gradients
// CHECK-SAME: -> (tensor<f32> {credo.name = "loss"}, tensor<8x6xf32> {credo.name = "grad.w1"}, tensor<6x3xf32> {credo.name = "grad.w2"})
// CHECK: %[[L:.+]]:10 = credo.time_loop steps 30
// CHECK-NOT: reverse
// CHECK: %[[H:.+]]:4 = credo.lif
// CHECK: %[[O:.+]]:4 = credo.lif
// CHECK: credo.yield {{.*}} record %[[O]]#3, %{{.+}}, %[[H]]#3, %[[O]]#3
// CHECK: %[[C1:.+]] = credo.spike_count %[[L]]#8
// CHECK: %[[E1:.+]] = credo.s_psp %[[L]]#8, %[[L]]#7 {t_ref = 1 : i64, tau_m = 1.000000e+01 : f64, tau_s = 3.000000e+00 : f64}
// CHECK: %[[E2:.+]] = credo.s_psp %[[L]]#9, %[[L]]#8 {t_ref = 2 : i64, tau_m = 8.000000e+00 : f64, tau_s = 2.000000e+00 : f64}
// CHECK: %[[G:.+]] = credo.count_margin_loss_grad
// CHECK: %[[D2:.+]] = credo.scale %[[G]] {factor = 0.66666666666666663 : f64}
// CHECK: credo.div {{.*}} {safe}
// CHECK: %[[GW2:.+]] = credo.einsum %[[D2]], %[[E2]], %{{.+}} {spec = "bi,bij,bi->ji"}
// CHECK: credo.einsum %[[D2]], %{{.+}}, %[[E2]] {spec = "bi,ji,bij->bj"}
// CHECK: credo.div %{{.+}}, %[[C1]] {safe}
// CHECK: %[[GW1:.+]] = credo.einsum %{{.+}}, %[[E1]], %{{.+}} {spec = "bi,bij,bi->ji"}
// CHECK: return %{{.+}}, %[[GW1]], %[[GW2]]

// STEP-LABEL: func.func @train_step
// STEP-SAME: {credo.name = "lr"}) -> (tensor<f32> {credo.name = "loss"}, tensor<8x6xf32> {credo.name = "new.w1"}, tensor<6x3xf32> {credo.name = "new.w2"})
// STEP: %[[GW2:.+]] = credo.einsum {{.*}} {spec = "bi,bij,bi->ji"}
// STEP: %[[GW1:.+]] = credo.einsum {{.*}} {spec = "bi,bij,bi->ji"}
// STEP: credo.sgd_update %{{.+}}, %[[GW1]], %arg2
// STEP: credo.sgd_update %{{.+}}, %[[GW2]], %arg2
