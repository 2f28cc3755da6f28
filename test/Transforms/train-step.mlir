// RUN: credo-opt %s --credo-autodiff --credo-train-step -split-input-file | FileCheck %s
// @train_step: @gradients plus one SGD step per parameter, with the learning
// rate as the last argument. A parameter whose gradient is a constant zero
// (the loss does not read it) keeps its value, weight decay or not, as
// PyTorch's optimizers skip a parameter without a gradient.

module attributes {credo.training = #credo.training<loss = "loss", optimizer = #credo.optimizer<kind = "sgd", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, weight_decay = 1.000000e-02 : f64>>} {
  credo.param @w : tensor<4x3xf32> init #credo.init<glorot_uniform, seed = 1>
  credo.param @unused : tensor<2xf32> init #credo.init<zeros>
  func.func @forward(%x: tensor<2x4xf32>, %t: tensor<2xi32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<4x3xf32>
    %z = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
    %l = credo.softmax_cross_entropy %z, %t : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[LR:[^:]+]]: tensor<f32> {credo.name = "lr"})
// CHECK-SAME: -> (tensor<f32> {credo.name = "loss"}, tensor<4x3xf32> {credo.name = "new.w"}, tensor<2xf32> {credo.name = "new.unused"})
// CHECK: %[[U:.+]] = credo.get_param @unused
// CHECK: %[[W:.+]] = credo.get_param @w
// CHECK: %[[DW:.+]] = credo.matmul
// CHECK: %[[NW:.+]] = credo.sgd_update %[[W]], %[[DW]], %[[LR]] {weight_decay = 1.000000e-02 : f64}
// CHECK-NOT: credo.sgd_update
// CHECK: return %{{.+}}, %[[NW]], %[[U]]

// RUN: credo-opt %s --credo-autodiff --credo-train-step -split-input-file 2>&1 | FileCheck %s --check-prefix=STATE
// -----
// Momentum and Adam keep their state in zero-initialized parameters.
module @m attributes {credo.training = #credo.training<loss = "loss", optimizer = #credo.optimizer<kind = "adam", lr = 1.000000e-03 : f64>>} {
  credo.param @w : tensor<3xf32> init #credo.init<ones>
  func.func @forward(%y: tensor<3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<3xf32>
    %l = credo.mse %w, %y : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
// STATE-LABEL: module @m
// STATE: credo.param @adam_step : tensor<f32> init #credo.init<zeros>
// STATE: credo.param @w_adam_m : tensor<3xf32> init #credo.init<zeros>
// STATE: credo.param @w_adam_v : tensor<3xf32> init #credo.init<zeros>
// STATE: func.func @train_step
// STATE: %[[T:.+]] = credo.add %{{.+}}, %{{.+}} : tensor<f32>
// STATE: %[[W:[^,]+]], %[[M:[^,]+]], %[[V:[^ ]+]] = credo.adam_update {{.*}}, %[[T]] {beta1 = 9.000000e-01 : f64, beta2 = {{[0-9.e+-]+}} : f64, eps = 1.000000e-08 : f64}
// STATE: return %{{.+}}, %[[W]], %[[T]], %[[M]], %[[V]]

// RUN: credo-opt %s --credo-autodiff --credo-train-step -split-input-file 2>&1 | FileCheck %s --check-prefix=GEN
// -----
// A generator parameter gets no gradient and no optimizer step: each
// training step advances its draw count, so the next step's random ops draw
// new numbers.
module @gen attributes {credo.training = #credo.training<loss = "loss", optimizer = #credo.optimizer<kind = "sgd", lr = 1.000000e-01 : f64>>} {
  credo.param @w : tensor<3xf32> init #credo.init<ones>
  credo.param @rng : tensor<2xi64> init #credo.init<generator, seed = 9>
  func.func @forward(%y: tensor<3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %g = credo.get_param @rng : tensor<2xi64>
    %w = credo.get_param @w : tensor<3xf32>
    %s = credo.poisson_encode %y, %g {stream = 1 : i64} : tensor<3xf32>, tensor<2xi64>
    %p = credo.mul %w, %s : tensor<3xf32>
    %l = credo.mse %p, %y : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
// GEN-LABEL: module @gen
// GEN: func.func @train_step
// GEN-SAME: -> (tensor<f32> {credo.name = "loss"}, tensor<3xf32> {credo.name = "new.w"}, tensor<2xi64> {credo.name = "new.rng"})
// GEN: %[[G:.+]] = credo.get_param @rng
// GEN: credo.sgd_update
// GEN: %[[G1:.+]] = credo.generator_next %[[G]] : tensor<2xi64>
// GEN: return %{{.+}}, %{{.+}}, %[[G1]]
