// RUN: credo-opt %s --credo-coagent | FileCheck %s
// RUN: credo-opt %s --credo-coagent --credo-cpu-pipeline=kernels=reference | FileCheck %s --check-prefix=LOWERED
// The rule "coagent": @act is @forward plus each coagent's term X ⊗ E·score
// (the held unit's score times its execute flags) into NAME_trace, the
// critic's value and trace, the held output and the advanced generator;
// @train_step forms the TD error from the critic on the next observation
// and steps every coagent by lr·γ^t·δ·trace, the critic by critic_lr·δ·trace,
// and resets the held output and the discount when the episode ends.

module @tiny attributes {credo.training = #credo.training<rule = "coagent", optimizer = #credo.optimizer<kind = "sgd", lr = 5.000000e-02 : f64>, options = {coagent = {critic = "value", critic_lr = 2.000000e-01 : f64, gamma = 9.000000e-01 : f64, signal = "td"}}>} {
  credo.param @w1 : tensor<3x2xf32> init #credo.init<zeros>
  credo.param @w2 : tensor<2x4xf32> init #credo.init<zeros>
  credo.param @b2 : tensor<4xf32> init #credo.init<zeros>
  credo.param @v : tensor<3x1xf32> init #credo.init<zeros>
  credo.param @rng : tensor<2xi64> init #credo.init<generator, seed = 1>
  credo.param @h_held : tensor<1x2xf32> init #credo.init<zeros>
  func.func @forward(%x: tensor<1x3xf32> {credo.name = "state"}) -> (tensor<1xi64> {credo.name = "action"}) {
    %w1 = credo.get_param @w1 : tensor<3x2xf32>
    %w2 = credo.get_param @w2 : tensor<2x4xf32>
    %b2 = credo.get_param @b2 : tensor<4xf32>
    %v = credo.get_param @v : tensor<3x1xf32>
    %g = credo.get_param @rng : tensor<2xi64>
    %held = credo.get_param @h_held : tensor<1x2xf32>
    %l = credo.dense %x, %w1 : (tensor<1x3xf32>, tensor<3x2xf32>) -> tensor<1x2xf32>
    %u, %lp, %s = credo.bernoulli %l, %g {stream = 2 : i64} : tensor<1x2xf32>, tensor<2xi64>
    %e = credo.execute_flags %g {p = 5.000000e-01 : f64, stream = 9 : i64} : tensor<2xi64> -> tensor<1x2xf32>
    %h = credo.hold %e, %u, %held : tensor<1x2xf32>
    %al = credo.dense %h, %w2, %b2 : (tensor<1x2xf32>, tensor<2x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
    %a, %lpa, %sa = credo.categorical %al, %g {stream = 4 : i64} : tensor<1x4xf32>, tensor<2xi64>
    %value = credo.dense %x, %v {credo.node = "value"} : (tensor<1x3xf32>, tensor<3x1xf32>) -> tensor<1x1xf32>
    return %a : tensor<1xi64>
  }
}

// CHECK: credo.param @w1_trace : tensor<3x2xf32> init #credo.init<zeros>
// CHECK: credo.param @w2_trace : tensor<2x4xf32>
// CHECK: credo.param @b2_trace : tensor<4xf32>
// CHECK: credo.param @critic_value : tensor<1x1xf32>
// CHECK: credo.param @v_trace : tensor<3x1xf32>
// CHECK: credo.param @coagent_discount : tensor<f32> init #credo.init<ones>

// CHECK-LABEL: func.func @act(
// CHECK-SAME: -> (tensor<1xi64> {credo.name = "action"}, {{.*}} {credo.name = "new.w1"}, {{.*}} {credo.name = "new.rng"}, tensor<1x2xf32> {credo.name = "new.h_held"}, {{.*}} {credo.name = "new.w1_trace"}
// CHECK: %[[U:.*]], %{{.*}}, %[[S:.*]] = credo.bernoulli
// CHECK: %[[E:.*]] = credo.execute_flags
// CHECK: %[[H:.*]] = credo.hold %[[E]], %[[U]]
// CHECK: %[[ES:.*]] = credo.mul %[[E]], %[[S]]
// CHECK: %[[TW1:.*]] = credo.einsum %{{.*}}, %[[ES]] {spec = "bi,bj->ij"}
// CHECK: credo.einsum %[[H]], %{{.*}} {spec = "bi,bj->ij"}
// CHECK: %[[G:.*]] = credo.generator_next
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[G]], %[[H]], %[[TW1]]

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %{{.*}}: tensor<1xf32> {credo.name = "reward"}, %{{.*}}: tensor<1xf32> {credo.name = "done"}, %{{.*}}: tensor<1xf32> {credo.name = "last"}, %[[NEXT:.*]]: tensor<1x3xf32> {credo.name = "next_state"}, %{{.*}}: tensor<f32> {credo.name = "lr"})
// CHECK-SAME: -> (tensor<f32> {credo.name = "td_error"}
// CHECK: %[[VN:.*]] = credo.dense %[[NEXT]]
// CHECK: credo.scale %{{.*}} {factor = 9.000000e-01 : f64}
// CHECK: %[[DELTA:.*]] = credo.sub
// CHECK: %[[SCALED:.*]] = credo.mul %{{.*}}, %[[DELTA]]
// CHECK: credo.einsum %[[SCALED]], %{{.*}} {spec = ",ab->ab"}
// CHECK: credo.scale %[[DELTA]] {factor = 2.000000e-01 : f64}
// CHECK: credo.sgd_update
// CHECK: return %[[DELTA]]

// LOWERED-NOT: credo.{{[a-z_]+}} %
// LOWERED: llvm.func @act
// LOWERED: llvm.func @train_step
