// RUN: credo-opt %s --credo-autodiff="feedback=fa" | FileCheck %s --check-prefix=FA
// RUN: credo-opt %s --credo-autodiff="feedback=dfa" | FileCheck %s --check-prefix=DFA
// RUN: credo-opt %s --credo-autodiff="feedback=fa" --credo-train-step | FileCheck %s --check-prefix=STEP
// RUN: credo-opt %s --credo-autodiff="feedback=fa name=fa_gradients" | FileCheck %s --check-prefix=NAME
// RUN: not credo-opt %s --credo-autodiff="feedback=hebb" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: credo-opt %s --pass-pipeline="builtin.module(credo-autodiff{feedback=fa},credo-autodiff{name=exact_gradients},credo-instrument-alignment)" | FileCheck %s --check-prefix=ALIGN
// RUN: not credo-opt %s --credo-autodiff --credo-instrument-alignment 2>&1 | FileCheck %s --check-prefix=NO-EXACT
// RUN: not credo-opt %s --credo-instrument-alignment 2>&1 | FileCheck %s --check-prefix=NO-RULE
// Feedback alignment ("fa") and direct feedback alignment ("dfa") as modes
// of the reverse sweep: weights and biases get the gradient of their
// layer's result as usual, but the gradient a layer passes to its input
// goes through a fixed random matrix — of the weight's shape for fa (in
// place of Wᵀ), [outputs, inputs] from the output error for dfa. The
// matrices are `fixed` compiler-made parameters that no optimizer moves.

module @fa_tiny attributes {credo.format_version = 2 : i64, credo.training = #credo.training<rule = "fa", loss = "loss", optimizer = #credo.optimizer<kind = "sgd", lr = 5.000000e-01 : f64, momentum = 0.000000e+00 : f64, weight_decay = 0.000000e+00 : f64>, batch_size = 16, epochs = 1, seed = 7, dataset = {name = "npy", test_labels = "y.npy", test_x = "x.npy", train_labels = "y.npy", train_x = "x.npy"}>} {
  credo.param @w1 : tensor<6x5xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = 1>
  credo.param @b1 : tensor<5xf32> init #credo.init<uniform, low = -5.000000e-01, high = 5.000000e-01, seed = 2>
  credo.param @w2 : tensor<5x4xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = 3>
  credo.param @b2 : tensor<4xf32> init #credo.init<uniform, low = -5.000000e-01, high = 5.000000e-01, seed = 4>
  credo.param @w3 : tensor<4x3xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = 5>
  credo.param @b3 : tensor<3xf32> init #credo.init<zeros>
  func.func @forward(%arg0: tensor<2x6xf32> {credo.name = "x"}, %arg1: tensor<2xi32> {credo.name = "labels"}) -> (tensor<2x3xf32> {credo.name = "logits"}, tensor<f32> {credo.name = "loss"}) {
    %0 = credo.get_param @w1 : tensor<6x5xf32>
    %1 = credo.get_param @b1 : tensor<5xf32>
    %2 = credo.get_param @w2 : tensor<5x4xf32>
    %3 = credo.get_param @b2 : tensor<4xf32>
    %4 = credo.get_param @w3 : tensor<4x3xf32>
    %5 = credo.get_param @b3 : tensor<3xf32>
    %6 = credo.dense %arg0, %0, %1 : (tensor<2x6xf32>, tensor<6x5xf32>, tensor<5xf32>) -> tensor<2x5xf32>
    %7 = credo.tanh %6 : tensor<2x5xf32>
    %8 = credo.dense %7, %2, %3 : (tensor<2x5xf32>, tensor<5x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
    %9 = credo.sigmoid %8 : tensor<2x4xf32>
    %10 = credo.dense %9, %4, %5 : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %11 = credo.softmax_cross_entropy %10, %arg1 : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
    return %10, %11 : tensor<2x3xf32>, tensor<f32>
  }
}

// FA: credo.param @w3_feedback : tensor<4x3xf32> init #credo.init<uniform, low = -1.000000e+00, high = 1.000000e+00, seed = {{[0-9]+}}> fixed
// FA: credo.param @w2_feedback : tensor<5x4xf32> init #credo.init<uniform, {{.*}}> fixed
// FA-NOT: @w1_feedback
// FA-LABEL: func.func @gradients
// FA-DAG: %[[B2:.+]] = credo.get_param @w2_feedback
// FA-DAG: %[[B3:.+]] = credo.get_param @w3_feedback
// FA-DAG: %[[W3:.+]] = credo.get_param @w3
// FA: %[[A2:.+]] = credo.sigmoid
// FA: %[[E:.+]] = credo.softmax_cross_entropy_grad
// FA: %[[D:.+]] = credo.matmul %[[E]], %[[B3]] {transpose_rhs = true}
// FA: credo.matmul %[[A2]], %[[E]] {transpose_lhs = true}
// FA: %[[G2:.+]] = credo.sigmoid_grad %[[D]], %[[A2]]
// FA: credo.matmul %[[G2]], %[[B2]] {transpose_rhs = true}
// FA-NOT: %[[W3]] {transpose_rhs

// DFA: credo.param @w3_feedback : tensor<3x4xf32> {{.*}} fixed
// DFA: credo.param @w2_feedback : tensor<3x5xf32> {{.*}} fixed
// DFA-LABEL: func.func @gradients
// DFA-DAG: %[[B2:.+]] = credo.get_param @w2_feedback
// DFA-DAG: %[[B3:.+]] = credo.get_param @w3_feedback
// DFA: %[[E:.+]] = credo.softmax_cross_entropy_grad
// DFA: credo.matmul %[[E]], %[[B3]] : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
// DFA: credo.sigmoid_grad
// DFA: %[[D1:.+]] = credo.matmul %[[E]], %[[B2]] : tensor<2x3xf32>, tensor<3x5xf32> -> tensor<2x5xf32>
// DFA: credo.tanh_grad %[[D1]]

// The optimizer leaves the fixed matrices as they are.
// STEP-LABEL: func.func @train_step
// STEP-COUNT-6: credo.sgd_update
// STEP-NOT: credo.sgd_update
// STEP: return

// NAME: func.func @fa_gradients(

// BAD: error: credo-autodiff: feedback must be exact, fa or dfa, but got 'hebb'

// credo-instrument-alignment inlines the rule's @gradients and the exact
// @exact_gradients into @alignment: per trained parameter (not the fixed
// matrices) the rule's direction r and the gradient g, whose dot product
// and norms the driver sums in double. r for w2 goes through the fixed
// matrix (fa: a product with the transposed B), g through w3 itself.
// ALIGN-NOT: func.func @exact_gradients
// ALIGN-LABEL: func.func @alignment(%arg0: tensor<2x6xf32> {credo.name = "x"}, %arg1: tensor<2xi32> {credo.name = "labels"}) -> (tensor<6x5xf32> {credo.name = "align.w1.rule"}, tensor<6x5xf32> {credo.name = "align.w1.exact"}, tensor<5xf32> {credo.name = "align.b1.rule"}, tensor<5xf32> {credo.name = "align.b1.exact"}, tensor<5x4xf32> {credo.name = "align.w2.rule"}, tensor<5x4xf32> {credo.name = "align.w2.exact"}, tensor<4xf32> {credo.name = "align.b2.rule"}, tensor<4xf32> {credo.name = "align.b2.exact"}, tensor<4x3xf32> {credo.name = "align.w3.rule"}, tensor<4x3xf32> {credo.name = "align.w3.exact"}, tensor<3xf32> {credo.name = "align.b3.rule"}, tensor<3xf32> {credo.name = "align.b3.exact"}) {
// ALIGN: credo.get_param @w2_feedback
// ALIGN: credo.matmul %{{.+}}, %{{.+}} {transpose_rhs = true}
// ALIGN: return

// NO-EXACT: error: credo-instrument-alignment: the module has no @exact_gradients (run credo-autodiff with name=exact_gradients first)
// NO-RULE: error: credo-instrument-alignment: the module has no @gradients (the learning rule publishes its update direction there; this one does not)
