// RUN: credo-opt %s --credo-dendritic | FileCheck %s
// RUN: credo-opt %s --credo-dendritic --credo-train-step --credo-dendritic=settle=true | FileCheck %s --check-prefix=SETTLE
// RUN: sed 's/iterations = 6 : i64, /settling = "sweep", /' %s | credo-opt --credo-dendritic | FileCheck %s --check-prefix=SWEEP --implicit-check-not=credo.transpose
// RUN: sed 's/iterations = 6 : i64, /settling = "sweep", feedback = "transpose", /' %s | credo-opt --credo-dendritic | FileCheck %s --check-prefix=SWEEP-W --implicit-check-not=credo.transpose
// RUN: sed 's/iterations = 6 : i64, /settling = "sweep", /' %s | credo-opt --credo-dendritic=settle=true | FileCheck %s --check-prefix=SWEEP-SETTLE --implicit-check-not=credo.transpose
// RUN: sed 's/iterations = 6 : i64, /settling = "swep", /' %s | not credo-opt --credo-dendritic 2>&1 | FileCheck %s --check-prefix=BAD-SETTLING
// RUN: sed 's/iterations = 6 : i64, /feedback = "mirror", /' %s | not credo-opt --credo-dendritic 2>&1 | FileCheck %s --check-prefix=BAD-FEEDBACK
// RUN: sed 's/dendritic = {/dendritic = {steady_state = false, duration = 1.000000e+00 : f64, /' %s | credo-opt --credo-dendritic --credo-train-step | FileCheck %s --check-prefix=DYN
// RUN: sed 's/dendritic = {/dendritic = {steady_state = false, duration = 1.000000e+00 : f64, dt = 1.0e-300 : f64, /' %s | not credo-opt --credo-dendritic 2>&1 | FileCheck %s --check-prefix=BAD-STEPS
// The steady-state dendritic rule: W^IP, W^PI (plastic) and B (fixed) are
// declared per hidden layer; a time loop of fixed-point iterations settles
// the hidden somatic potentials from the feed-forward ones, the output
// nudged towards one_hot(labels); the local updates are einsums of
// settled quantities. @settle_step has no nudging and steps W^IP and W^PI.

module @dendritic_tiny attributes {credo.format_version = 2 : i64, credo.training = #credo.training<rule = "dendritic", loss = "loss", optimizer = #credo.optimizer<kind = "sgd", lr = 5.000000e-01 : f64, momentum = 0.000000e+00 : f64, weight_decay = 0.000000e+00 : f64>, batch_size = 16, epochs = 1, seed = 3, dataset = {name = "npy", test_labels = "y.npy", test_x = "x.npy", train_labels = "y.npy", train_x = "x.npy"}, options = {dendritic = {g_som = 5.000000e-01 : f64, iterations = 6 : i64, lr_ip = 2.000000e+00 : f64, lr_pi = 5.000000e-01 : f64, target_high = 2.000000e+00 : f64, target_low = -1.000000e+00 : f64}}>} {
  credo.param @w1 : tensor<6x5xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = 1>
  credo.param @b1 : tensor<5xf32> init #credo.init<uniform, low = -5.000000e-01, high = 5.000000e-01, seed = 2>
  credo.param @w2 : tensor<5x3xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = 3>
  func.func @forward(%arg0: tensor<4x6xf32> {credo.name = "x"}, %arg1: tensor<4xi32> {credo.name = "labels"}) -> (tensor<4x3xf32> {credo.name = "logits"}, tensor<f32> {credo.name = "loss"}) {
    %0 = credo.get_param @w1 : tensor<6x5xf32>
    %1 = credo.get_param @b1 : tensor<5xf32>
    %2 = credo.get_param @w2 : tensor<5x3xf32>
    %3 = credo.dense %arg0, %0, %1 : (tensor<4x6xf32>, tensor<6x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
    %4 = credo.sigmoid %3 : tensor<4x5xf32>
    %5 = credo.dense %4, %2 : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
    %6 = credo.softmax_cross_entropy %5, %arg1 : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
    return %5, %6 : tensor<4x3xf32>, tensor<f32>
  }
}

// CHECK-NOT: credo.simulated_ms
// CHECK: credo.param @w1_ip : tensor<5x3xf32> init #credo.init<uniform, low = -1.000000e-01, high = 1.000000e-01, seed = {{[0-9]+}}>
// CHECK-NEXT: credo.param @w1_pi : tensor<3x5xf32> init #credo.init<uniform
// B has W2's shape and initializer: the matrix feedback alignment draws.
// CHECK-NEXT: credo.param @w2_feedback : tensor<5x3xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = {{[0-9]+}}> fixed
// CHECK-LABEL: func.func @gradients
// CHECK-SAME: {credo.name = "grad.w1_ip"}, tensor<3x5xf32> {credo.name = "grad.w1_pi"}, tensor<5x3xf32> {credo.name = "grad.w2_feedback"})
// CHECK: %[[UH1:.+]] = credo.dense %arg0
// CHECK: %[[T:.+]] = credo.one_hot %arg1 {classes = 3 : i64, off = -1.000000e+00 : f64, on = 2.000000e+00 : f64}
// CHECK: %[[U:.+]] = credo.time_loop steps 6 iter_args(%[[UH1]] : tensor<4x5xf32>)
// The output nudged: ((g_lk + g_B)·û + g_som·u_tgt) / (g_lk + g_B + g_som).
// CHECK: credo.scale %{{.+}} {factor = 6.875000e-01 : f64}
// CHECK: credo.scale %[[T]] {factor = 3.125000e-01 : f64}
// Hidden: u = û + g_A / (g_lk + g_B + g_A) · v_A.
// CHECK: credo.scale %{{.+}} {factor = 0.42105263157894735 : f64}
// CHECK: credo.yield
// ΔW^IP, ΔW^PI, then ΔW1 from φ(u) − φ(û).
// CHECK: credo.einsum %{{.+}}, %{{.+}} {spec = "bi,bj->ij"} : tensor<4x5xf32>, tensor<4x3xf32> -> tensor<5x3xf32>
// CHECK: credo.einsum %{{.+}}, %{{.+}} {spec = "bi,bj->ij"} : tensor<4x3xf32>, tensor<4x5xf32> -> tensor<3x5xf32>
// CHECK: %[[S1:.+]] = credo.sigmoid %[[U]]
// CHECK: %[[S0:.+]] = credo.sigmoid %[[UH1]]
// CHECK: %[[D1:.+]] = credo.sub %[[S1]], %[[S0]]
// CHECK: credo.einsum %arg0, %[[D1]] {spec = "bi,bj->ij"}

// A module written by hand gets the importer's checks of the settings.
// BAD-SETTLING: error: credo.training: dendritic settling must be "iterate" or "sweep", but it is 'swep'
// BAD-FEEDBACK: error: credo.training: dendritic feedback must be "random" or "transpose", but it is 'mirror'
// A hand-written module's pattern of more steps than a time loop takes:
// BAD-STEPS: error: dendritic: the pattern lasts 1 ms in steps of 1e-300 ms, 1e+300 steps; a time loop takes 1 to 2147483647

// Settling "sweep": no loop; from the feed-forward potentials the output
// nudged, the interneurons nudged by it, the apical potential from its
// rates, and the hidden potentials once.
// SWEEP-LABEL: func.func @gradients
// SWEEP-NOT: credo.time_loop
// SWEEP: %[[UH1:.+]] = credo.dense %arg0
// SWEEP: credo.one_hot
// SWEEP: %[[R1:.+]] = credo.sigmoid %[[UH1]]
// SWEEP: credo.dense %[[R1]], %{{.+}} : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
// SWEEP: %[[U2:.+]] = credo.add
// SWEEP: %[[R2:.+]] = credo.sigmoid %[[U2]]
// SWEEP: %[[VI:.+]] = credo.dense %[[R1]]
// SWEEP: credo.scale %[[U2]] {factor = 3.125000e-01 : f64}
// SWEEP: %[[FB:.+]] = credo.matmul %[[R2]], %{{.+}} {transpose_rhs = true} : tensor<4x3xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
// SWEEP: %[[VA:.+]] = credo.add %[[FB]], %{{.+}} : tensor<4x5xf32>
// SWEEP: %[[A:.+]] = credo.scale %[[VA]] {factor = 0.42105263157894735 : f64}
// SWEEP: %[[U1:.+]] = credo.add %[[UH1]], %[[A]]
// SWEEP: %[[S1:.+]] = credo.sigmoid %[[U1]]
// SWEEP: %[[D1:.+]] = credo.sub %[[S1]], %{{.+}}
// SWEEP: credo.einsum %arg0, %[[D1]] {spec = "bi,bj->ij"}
// SWEEP-NOT: credo.time_loop
// B is read once, by a product with the transposed operand: no transpose
// (--implicit-check-not), with B = W2 too, and in the unsupervised step.
// SWEEP-W-LABEL: func.func @gradients
// SWEEP-W: %[[W2:.+]] = credo.get_param @w2 : tensor<5x3xf32>
// SWEEP-W: credo.matmul %{{.+}}, %[[W2]] {transpose_rhs = true} : tensor<4x3xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
// SWEEP-SETTLE-LABEL: func.func @settle_step
// SWEEP-SETTLE: %[[B:.+]] = credo.get_param @w2_feedback : tensor<5x3xf32>
// SWEEP-SETTLE: credo.matmul %{{.+}}, %[[B]] {transpose_rhs = true} : tensor<4x3xf32>, tensor<5x3xf32> -> tensor<4x5xf32>

// The full dynamics: zero-initialized state parameters, a loop of
// duration/dt Euler steps carrying them, the traces and the integrals;
// @gradients returns the next states as state.NAME, @train_step as new.NAME.
// The module records the model time a step simulates (10 steps of 0.1 ms);
// the steady state records none.
// DYN: module @dendritic_tiny attributes {{{.*}}credo.simulated_ms = 1.000000e+00 : f64
// DYN: credo.param @w1_input : tensor<4x6xf32> init #credo.init<zeros>
// DYN: credo.param @w1_soma : tensor<4x5xf32> init #credo.init<zeros>
// DYN: credo.param @w2_soma : tensor<4x3xf32> init #credo.init<zeros>
// DYN: credo.param @w1_interneurons : tensor<4x3xf32> init #credo.init<zeros>
// DYN: credo.param @w1_trace : tensor<6x5xf32> init #credo.init<zeros>
// DYN-LABEL: func.func @gradients
// DYN-SAME: {credo.name = "state.w1_input"}
// DYN-SAME: {credo.name = "state.w2_trace"})
// DYN: credo.time_loop steps 10
// DYN: credo.exp_filter %arg0 state(%{{.+}}) {dt = 1.000000e-01 : f64, lowpass = true, tau = 3.000000e+00 : f64}
// DYN: credo.exp_filter {{.*}} {dt = 1.000000e-01 : f64, lowpass = true, tau = 3.000000e+01 : f64}
// DYN-LABEL: func.func @train_step
// DYN-SAME: {credo.name = "new.w1_soma"}

// SETTLE-LABEL: func.func @settle_step
// SETTLE-SAME: {credo.name = "lr"}) -> (tensor<f32> {credo.name = "apical_mismatch"}, tensor<6x5xf32> {credo.name = "new.w1"}
// SETTLE-NOT: credo.one_hot
// SETTLE: credo.time_loop steps 6
// SETTLE: credo.einsum %{{.+}}, %{{.+}} {spec = "bj,bj->"}
// SETTLE-COUNT-2: credo.sgd_update
// SETTLE-NOT: credo.sgd_update
// SETTLE: return
