// RUN: credo-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect
// One case per verifier branch of the credo dialect, each with its message.
// Cases marked "OK" are positive controls: they must verify.

//===----------------------------------------------------------------------===//
// #credo.init
//===----------------------------------------------------------------------===//

// expected-error @+1 {{unknown initializer 'xavier'}}
credo.param @p : tensor<4xf32> init #credo.init<xavier>

// -----

// expected-error @+1 {{initializer 'zeros' takes no key 'seed'}}
credo.param @p : tensor<4xf32> init #credo.init<zeros, seed = 1>

// -----

// expected-error @+1 {{duplicate key 'low'}}
credo.param @p : tensor<4xf32> init #credo.init<uniform, low = 0.0, low = 1.0, high = 2.0>

// -----

// expected-error @+1 {{initializer 'normal' requires the key 'std'}}
credo.param @p : tensor<4xf32> init #credo.init<normal, mean = 1.0>

// -----

// The training contract: a named rule, counts >= 0, optimizer values in
// range.
// expected-error @+1 {{training expects a rule}}
module attributes {credo.training = #credo.training<rule = "", loss = "loss">} {}

// -----

// expected-error @+1 {{training expects batch_size, epochs and settle_epochs >= 0, but got 16, -1 and 0}}
module attributes {credo.training = #credo.training<loss = "loss", batch_size = 16, epochs = -1>} {}

// -----

// expected-error @+2 {{optimizer expects a kind}}
// expected-error @+1 {{failed to parse Credo_TrainingAttr parameter 'optimizer'}}
module attributes {credo.training = #credo.training<optimizer = <kind = "">>} {}

// -----

// expected-error @+2 {{optimizer expects lr in (0, inf), but got 0}}
// expected-error @+1 {{failed to parse Credo_TrainingAttr parameter 'optimizer'}}
module attributes {credo.training = #credo.training<optimizer = <kind = "sgd", lr = 0.0 : f64>>} {}

// -----

// expected-error @+2 {{optimizer expects beta2 in [0, 1), but got 1}}
// expected-error @+1 {{failed to parse Credo_TrainingAttr parameter 'optimizer'}}
module attributes {credo.training = #credo.training<optimizer = #credo.optimizer<kind = "adam", lr = 1.0e-3 : f64, beta2 = 1.0 : f64>>} {}

// -----

// expected-error @+2 {{unknown optimizer kind 'rmsprop' (expected sgd or adam)}}
// expected-error @+1 {{failed to parse Credo_TrainingAttr parameter 'optimizer'}}
module attributes {credo.training = #credo.training<optimizer = #credo.optimizer<kind = "rmsprop", lr = 1.0e-3 : f64>>} {}

// -----

// expected-error @+2 {{optimizer 'sgd' takes no beta1 (adam's)}}
// expected-error @+1 {{failed to parse Credo_TrainingAttr parameter 'optimizer'}}
module attributes {credo.training = #credo.training<optimizer = #credo.optimizer<kind = "sgd", lr = 1.0e-1 : f64, beta1 = 0.9 : f64>>} {}

// -----

// expected-error @+2 {{optimizer 'adam' takes no momentum (sgd's)}}
// expected-error @+1 {{failed to parse Credo_TrainingAttr parameter 'optimizer'}}
module attributes {credo.training = #credo.training<optimizer = #credo.optimizer<kind = "adam", lr = 1.0e-3 : f64, momentum = 0.9 : f64>>} {}

// -----

// expected-error @+2 {{optimizer expects momentum in [0, 1), but got 1.5}}
// expected-error @+1 {{failed to parse Credo_TrainingAttr parameter 'optimizer'}}
module attributes {credo.training = #credo.training<optimizer = #credo.optimizer<kind = "sgd", lr = 1.0e-1 : f64, momentum = 1.5 : f64>>} {}

// -----

// expected-error @+2 {{optimizer expects eps in (0, 1), but got 0}}
// expected-error @+1 {{failed to parse Credo_TrainingAttr parameter 'optimizer'}}
module attributes {credo.training = #credo.training<optimizer = #credo.optimizer<kind = "adam", lr = 1.0e-3 : f64, eps = 0.0 : f64>>} {}

// -----

// OK: every part of the contract.
module attributes {credo.training = #credo.training<rule = "dendritic", loss = "loss", optimizer = <kind = "adam", lr = 1.0e-3 : f64, beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, weight_decay = 0.0 : f64>, batch_size = 16, epochs = 2, seed = 7, settle_epochs = 1, schedule = {type = "cosine"}, dataset = {name = "npy"}, environment = {name = "chain"}, options = {dendritic = {g_som = 0.2}}>} {}

// -----

// expected-error @+1 {{uniform initializer expects low < high, but got low = 1.000000e+00 and high = 1.000000e+00}}
credo.param @p : tensor<4xf32> init #credo.init<uniform, low = 1.0, high = 1.0>

// -----

// expected-error @+1 {{normal initializer expects std > 0, but got -1.000000e+00}}
credo.param @p : tensor<4xf32> init #credo.init<normal, std = -1.0>

// -----

// expected-error @+1 {{initializer key 'value' must be finite}}
credo.param @p : tensor<4xf32> init #credo.init<constant, value = 0x7FF0000000000000>

// -----

// OK: every key of a kind, in any order.
credo.param @p : tensor<4xf32> init #credo.init<normal, seed = 3, std = 2.0, mean = -1.0>

// -----

//===----------------------------------------------------------------------===//
// credo.param / credo.get_param
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'credo.param' op initializer value 1.000000e+39 does not fit 'f32' (its largest finite value is 3.402823e+38)}}
credo.param @p : tensor<4xf32> init #credo.init<constant, value = 1.0e39>

// -----

// expected-error @+1 {{'credo.param' op initializer high 1.000000e+39 does not fit 'f32'}}
credo.param @p : tensor<4xf32> init #credo.init<uniform, low = 0.0, high = 1.0e39>

// -----

// expected-error @+1 {{'credo.param' op uniform initializer's range high - low = INF does not fit 'f64'}}
credo.param @p : tensor<4xf64> init #credo.init<uniform, low = -1.7e308, high = 1.7e308>

// -----

// expected-error @+1 {{'credo.param' op normal initializer's draws (mean 1.000000e+00 ± 9 · std 1.000000e+38) do not fit 'f32'}}
credo.param @p : tensor<4xf32> init #credo.init<normal, mean = 1.0, std = 1.0e38>

// -----

// OK: the same bounds fit f64.
credo.param @p : tensor<4xf64> init #credo.init<uniform, low = 0.0, high = 1.0e39>

// -----

// expected-error @+1 {{'credo.param' op expects a static shape, but got 'tensor<?x4xf32>'}}
credo.param @p : tensor<?x4xf32> init #credo.init<zeros>

// -----

// expected-error @+1 {{'credo.param' op expects positive dimensions, but got [0, 4]}}
credo.param @p : tensor<0x4xf32> init #credo.init<zeros>

// -----

// expected-error @+1 {{'credo.param' op has too many elements: [4294967296, 4294967296] overflows a 64-bit count}}
credo.param @p : tensor<4294967296x4294967296xf32> init #credo.init<zeros>

// -----

// expected-error @+1 {{'credo.param' op attribute 'type' failed to satisfy constraint: type attribute of ranked tensor of 32-bit float or 64-bit float or 32-bit signless integer or 64-bit signless integer values}}
credo.param @p : tensor<4xi16> init #credo.init<zeros>

// -----

// OK: integer state with an exact initializer.
credo.param @count : tensor<i64> init #credo.init<zeros>
credo.param @start : tensor<2xi32> init #credo.init<constant, value = 7.0>

// -----

// expected-error @+1 {{'credo.param' op initializer value 2.500000e+00 is not an integer that fits 'i32'}}
credo.param @p : tensor<4xi32> init #credo.init<constant, value = 2.5>

// -----

// expected-error @+1 {{'credo.param' op initializer value 3.000000e+09 is not an integer that fits 'i32'}}
credo.param @p : tensor<4xi32> init #credo.init<constant, value = 3.0e9>

// -----

// expected-error @+1 {{'credo.param' op an 'i64' parameter takes a zeros, ones or constant initializer, not a random one}}
credo.param @p : tensor<4xi64> init #credo.init<uniform, low = 0.0, high = 1.0, seed = 1>

// -----

func.func @f() {
  // expected-error @+1 {{'credo.param' op expects parent op 'builtin.module'}}
  credo.param @p : tensor<4xf32> init #credo.init<zeros>
  return
}

// -----

func.func @f() -> tensor<4xf32> {
  // expected-error @+1 {{'credo.get_param' op expects '@missing' to name a credo.param}}
  %0 = credo.get_param @missing : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

credo.param @p : tensor<4xf32> init #credo.init<zeros>
func.func @f() -> tensor<5xf32> {
  // expected-error @+1 {{'credo.get_param' op result type 'tensor<5xf32>' does not match the declared type 'tensor<4xf32>' of @p}}
  %0 = credo.get_param @p : tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

//===----------------------------------------------------------------------===//
// credo.dense
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<2x4xi32>, %w: tensor<4x3xf32>) {
  // The inference's own check (reached from the importer) comes after ODS's:
  // expected-error @+1 {{'credo.dense' op operand #0 must be ranked tensor of 32-bit float or 64-bit float values, but got 'tensor<2x4xi32>'}}
  %0 = "credo.dense"(%x, %w) : (tensor<2x4xi32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+2 {{'credo.dense' op expects input to have a static shape, but got 'tensor<?x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.dense"(%x, %w) : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @f(%x: tensor<2x2x4xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+2 {{'credo.dense' op expects input of rank 2, but got rank 3 ('tensor<2x2x4xf32>')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.dense"(%x, %w) : (tensor<2x2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4xf32>, %w: tensor<4xf32>) {
  // expected-error @+2 {{'credo.dense' op expects weight of rank 2, but got rank 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.dense"(%x, %w) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4xf32>, %w: tensor<4x3xf64>) {
  // expected-error @+2 {{'credo.dense' op expects input and weight to have the same element type, but got 'f32' and 'f64'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.dense"(%x, %w) : (tensor<2x4xf32>, tensor<4x3xf64>) -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%x: tensor<2x5xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+2 {{'credo.dense' op expects weight rows (4) to match input columns (5)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.dense"(%x, %w) : (tensor<2x5xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>, %b: tensor<1x3xf32>) {
  // expected-error @+2 {{'credo.dense' op expects bias of rank 1, but got rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.dense"(%x, %w, %b) : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf64>) {
  // expected-error @+2 {{'credo.dense' op expects input and bias to have the same element type, but got 'f32' and 'f64'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.dense"(%x, %w, %b) : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf64>) -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'credo.dense' op expects bias size (4) to match weight columns (3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.dense"(%x, %w, %b) : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+2 {{'credo.dense' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// credo.conv2d
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<2x6x6xf32>, %w: tensor<8x1x3x3xf32>) {
  // expected-error @+2 {{'credo.conv2d' op expects input of rank 4, but got rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.conv2d"(%x, %w) : (tensor<2x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x1x6x6xf32>, %w: tensor<8x1x3x3xf32>) {
  // expected-error @+2 {{'credo.conv2d' op expects 'strides' to have 2 entries, but got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.conv2d %x, %w {strides = array<i64: 1, 1, 1>} : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x1x6x6xf32>, %w: tensor<8x1x3x3xf32>) {
  // expected-error @+2 {{'credo.conv2d' op expects 'strides' entries >= 1, but got [0, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.conv2d %x, %w {strides = array<i64: 0, 1>} : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x1x6x6xf32>, %w: tensor<8x1x3x3xf32>) {
  // expected-error @+2 {{'credo.conv2d' op expects 'padding' entries >= 0, but got [-1, 0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.conv2d %x, %w {padding = array<i64: -1, 0>} : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x2x6x6xf32>, %w: tensor<8x1x3x3xf32>) {
  // expected-error @+2 {{'credo.conv2d' op expects weight input channels (1) to match input channels (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.conv2d %x, %w : (tensor<2x2x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x1x6x6xf32>, %w: tensor<8x1x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'credo.conv2d' op expects bias size (4) to match output channels (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.conv2d %x, %w, %b : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>, tensor<4xf32>) -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x1x2x6xf32>, %w: tensor<8x1x3x3xf32>) {
  // expected-error @+2 {{'credo.conv2d' op expects the padded input height (2 + 2*0) to be at least the kernel height (3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.conv2d %x, %w : (tensor<2x1x2x6xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x1x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// credo.max_pool2d / credo.avg_pool2d
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<2x8x4x4xf32>) {
  // expected-error @+2 {{'credo.max_pool2d' op expects 'kernel' to have 2 entries, but got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.max_pool2d %x {kernel = array<i64: 2>} : tensor<2x8x4x4xf32> -> tensor<2x8x2x2xf32>
  return
}

// -----

func.func @f(%x: tensor<2x8x4x4xf32>) {
  // expected-error @+2 {{'credo.avg_pool2d' op expects 'kernel' entries >= 1, but got [0, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.avg_pool2d %x {kernel = array<i64: 0, 2>} : tensor<2x8x4x4xf32> -> tensor<2x8x2x2xf32>
  return
}

// -----

func.func @f(%x: tensor<2x8x4x4xf32>) {
  // expected-error @+2 {{'credo.max_pool2d' op expects padding [2, 0] to be at most half the kernel [2, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.max_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 2, 0>} : tensor<2x8x4x4xf32> -> tensor<2x8x2x2xf32>
  return
}

// -----

func.func @f(%x: tensor<2x8x4x4xf32>) {
  // expected-error @+2 {{'credo.avg_pool2d' op expects the padded input width (4 + 2*0) to be at least the kernel width (5)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.avg_pool2d %x {kernel = array<i64: 2, 5>} : tensor<2x8x4x4xf32> -> tensor<2x8x2x2xf32>
  return
}

// -----

func.func @f(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{'credo.max_pool2d' op expects input of rank 4, but got rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.max_pool2d"(%x) {kernel = array<i64: 2, 2>} : (tensor<2x8x4xf32>) -> tensor<2x8x2x2xf32>
  return
}

// -----

func.func @f(%x: tensor<2x8x4x4xf32>) {
  // expected-error @+1 {{'credo.max_pool2d' op requires attribute 'kernel'}}
  %0 = "credo.max_pool2d"(%x) : (tensor<2x8x4x4xf32>) -> tensor<2x8x2x2xf32>
  return
}

// -----

// OK: strides default to the kernel; an explicit stride overrides it.
func.func @f(%x: tensor<2x8x5x5xf32>) -> (tensor<2x8x2x2xf32>, tensor<2x8x4x4xf32>) {
  %0 = credo.max_pool2d %x {kernel = array<i64: 2, 2>} : tensor<2x8x5x5xf32> -> tensor<2x8x2x2xf32>
  %1 = credo.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>} : tensor<2x8x5x5xf32> -> tensor<2x8x4x4xf32>
  return %0, %1 : tensor<2x8x2x2xf32>, tensor<2x8x4x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// credo.flatten / credo.reshape
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<6xf32>) {
  // expected-error @+2 {{'credo.flatten' op expects an input of rank >= 2 ([batch, ...]), but got 'tensor<6xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.flatten"(%x) : (tensor<6xf32>) -> tensor<6x1xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4294967296x4294967296xf32>) {
  // expected-error @+2 {{'credo.flatten' op has too many features in 'tensor<2x4294967296x4294967296xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.flatten"(%x) : (tensor<2x4294967296x4294967296xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @f(%t: tensor<4xi32>) {
  // expected-error @+2 {{'credo.one_hot' op expects classes >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.one_hot %t {classes = 0 : i64} : tensor<4xi32> -> tensor<4x0xf32>
  return
}

// -----

func.func @f(%t: tensor<4x2xi32>) {
  // expected-error @+2 {{'credo.one_hot' op expects labels of shape [B], i32 or i64, but got 'tensor<4x2xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.one_hot %t {classes = 3 : i64} : tensor<4x2xi32> -> tensor<4x3xf32>
  return
}

// -----

func.func @reshape_i8(%x: tensor<2x6xi8>) {
  // expected-error @+1 {{'credo.reshape' op operand #0 must be ranked tensor of 32-bit float or 64-bit float or 32-bit signless integer or 64-bit signless integer values}}
  %0 = credo.reshape %x {shape = array<i64: 12>} : tensor<2x6xi8> -> tensor<12xi8>
  return
}

// -----

func.func @f(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{'credo.reshape' op expects at most one -1 in 'shape', but got [-1, -1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.reshape %x {shape = array<i64: -1, -1>} : tensor<2x6xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{'credo.reshape' op expects positive sizes (or one -1) in 'shape', but got [0, 12]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.reshape %x {shape = array<i64: 0, 12>} : tensor<2x6xf32> -> tensor<1x12xf32>
  return
}

// -----

func.func @f(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{'credo.reshape' op has too many elements in 'shape' [4294967296, 4294967296, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.reshape %x {shape = array<i64: 4294967296, 4294967296, 4>} : tensor<2x6xf32> -> tensor<1x12xf32>
  return
}

// -----

func.func @f(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{'credo.reshape' op cannot infer the -1 in 'shape' [5, -1]: 12 elements are not a multiple of 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.reshape %x {shape = array<i64: 5, -1>} : tensor<2x6xf32> -> tensor<5x2xf32>
  return
}

// -----

func.func @f(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{'credo.reshape' op expects 'shape' [5, 2] to hold 12 elements like the input 'tensor<2x6xf32>', but it holds 10}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.reshape %x {shape = array<i64: 5, 2>} : tensor<2x6xf32> -> tensor<5x2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Elementwise ops and softmax (the custom syntax infers the result type while
// parsing, so these report once, without the verifier's second error)
//===----------------------------------------------------------------------===//

func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>) {
  // expected-error @+1 {{'credo.add' op expects operands of the same type, but got 'tensor<2x3xf32>' and 'tensor<3x2xf32>'}}
  %0 = credo.add %a, %b : tensor<2x3xf32>, tensor<3x2xf32>
  return
}

// -----

func.func @f(%a: tensor<2x3xi32>) {
  // expected-error @+1 {{'credo.relu' op operand #0 must be ranked tensor of 32-bit float or 64-bit float values, but got 'tensor<2x3xi32>'}}
  %0 = "credo.relu"(%a) : (tensor<2x3xi32>) -> tensor<2x3xi32>
  return
}

// -----

func.func @f(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'credo.softmax' op expects 'axis' in [-2, 2), but got 2}}
  %0 = credo.softmax %a {axis = 2} : tensor<2x3xf32>
  return
}

// -----

func.func @f(%a: tensor<f32>) {
  // expected-error @+1 {{'credo.softmax' op expects an input of rank >= 1 (a softmax over one of its axes), but got 'tensor<f32>'}}
  %0 = credo.softmax %a : tensor<f32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

func.func @f(%z: tensor<4xf32>, %t: tensor<4xi32>) {
  // expected-error @+2 {{'credo.softmax_cross_entropy' op expects logits of rank 2, but got rank 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.softmax_cross_entropy"(%z, %t) : (tensor<4xf32>, tensor<4xi32>) -> tensor<f32>
  return
}

// -----

func.func @f(%z: tensor<4x10xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'credo.softmax_cross_entropy' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = "credo.softmax_cross_entropy"(%z, %t) : (tensor<4x10xf32>, tensor<4xf32>) -> tensor<f32>
  return
}

// -----

func.func @f(%z: tensor<4x10xf32>, %t: tensor<5xi32>) {
  // expected-error @+2 {{'credo.softmax_cross_entropy' op expects labels of shape [4] (one per logits row), but got 'tensor<5xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.softmax_cross_entropy %z, %t : tensor<4x10xf32>, tensor<5xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%p: tensor<4x2xf32>, %t: tensor<4x3xf32>) {
  // expected-error @+2 {{'credo.mse' op expects prediction and target of the same type, but got 'tensor<4x2xf32>' and 'tensor<4x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.mse %p, %t : tensor<4x2xf32>, tensor<4x3xf32> -> tensor<f32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// credo.call_kernel
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<4xf32>, %e: tensor<4xf32>) {
  // expected-error @+1 {{'credo.call_kernel' op expects one result per 'outs' operand, but got 0 results and 1 outs}}
  "credo.call_kernel"(%x, %e) {kernel = @credo_rt_relu_f32, scalars = array<i64: 4>, operandSegmentSizes = array<i32: 1, 1>} : (tensor<4xf32>, tensor<4xf32>) -> ()
  return
}

// -----

func.func @f(%x: tensor<4xf32>, %e: tensor<4xf32>) {
  // expected-error @+1 {{'credo.call_kernel' op expects result type 'tensor<4xf64>' to match its 'outs' operand type 'tensor<4xf32>'}}
  %0 = credo.call_kernel @credo_rt_relu_f32 ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) scalars [4] -> tensor<4xf64>
  return
}

// -----

func.func @f(%x: tensor<?xf32>, %e: tensor<4xf32>) {
  // expected-error @+1 {{'credo.call_kernel' op expects static shapes, but got 'tensor<?xf32>'}}
  %0 = credo.call_kernel @credo_rt_relu_f32 ins(%x : tensor<?xf32>) outs(%e : tensor<4xf32>) scalars [4] -> tensor<4xf32>
  return
}

// -----

// A node's identity is its name, a string.
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects 'credo.node' to be the name of a graph node (a string), but got 3 : i64}}
  %0 = credo.relu %x {credo.node = 3} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The model time of a training step is a positive number of milliseconds,
// on the module.
// expected-error @+1 {{expects 'credo.simulated_ms' on a module, the milliseconds of model time a training step simulates (a positive float), but got -1.000000e+00 : f64}}
module attributes {credo.simulated_ms = -1.0 : f64} {
}

// -----

// expected-error @+1 {{expects 'credo.simulated_ms' on a module, the milliseconds of model time a training step simulates (a positive float), but got 1.000000e+01 : f64}}
func.func @f() attributes {credo.simulated_ms = 10.0 : f64} {
  return
}

// -----

// expected-error @+1 {{expects 'credo.simulated_ms' on a module, the milliseconds of model time a training step simulates (a positive float), but got "10 ms"}}
module attributes {credo.simulated_ms = "10 ms"} {
}

// -----

// The kernel ABI (credo/kernels.def): a kernel of the table, called with
// its buffers and scalars.
func.func @f(%x: tensor<4xf32>, %e: tensor<4xf32>) {
  // expected-error @+1 {{'credo.call_kernel' op calls 'credo_rt_gelu_f32', which is not a kernel of the runtime (credo/kernels.def)}}
  %0 = credo.call_kernel @credo_rt_gelu_f32 ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) scalars [4] -> tensor<4xf32>
  return
}

// -----

func.func @f(%x: tensor<4xf32>, %e: tensor<4xf32>) {
  // expected-error @+1 {{'credo.call_kernel' op calls 'credo_rt_softmax_f32' with 2 buffers and 1 scalars, but credo/kernels.def gives it 2 buffers and 3 scalars}}
  %0 = credo.call_kernel @credo_rt_softmax_f32 ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) scalars [4] -> tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Gradient ops
//===----------------------------------------------------------------------===//

func.func @f(%a: tensor<8x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+2 {{'credo.matmul' op expects the contracted sizes to match, but op(lhs) is [8, 3] and op(rhs) is [4, 3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "credo.matmul"(%a, %b) : (tensor<8x3xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>
  return
}

// -----

func.func @f(%a: tensor<8x3xf32>) {
  // expected-error @+2 {{'credo.reduce_sum' op expects 'dims' sorted, distinct and in [0, 2), but got [1, 0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.reduce_sum %a {dims = array<i64: 1, 0>} : tensor<8x3xf32> -> tensor<f32>
  return
}

// -----

func.func @f(%a: tensor<8x3xf32>) {
  // expected-error @+1 {{'credo.reduce_sum' op requires attribute 'dims'}}
  %0 = "credo.reduce_sum"(%a) : (tensor<8x3xf32>) -> tensor<f32>
  return
}

// -----

func.func @f(%a: tensor<8x3xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'credo.relu_grad' op expects operands of the same type, but got 'tensor<8x3xf32>' and 'tensor<8x4xf32>'}}
  %0 = credo.relu_grad %a, %b : tensor<8x3xf32>, tensor<8x4xf32>
  return
}

// -----

func.func @f(%a: tensor<8x3xf32>) {
  // expected-error @+1 {{'credo.softmax_grad' op expects 'axis' in [-2, 2), but got 5}}
  %0 = credo.softmax_grad %a, %a {axis = 5} : tensor<8x3xf32>
  return
}

// -----

func.func @f(%a: tensor<f32>) {
  // expected-error @+1 {{'credo.softmax_grad' op expects operands of rank >= 1, but got 'tensor<f32>'}}
  %0 = credo.softmax_grad %a, %a : tensor<f32>
  return
}

// -----

func.func @f(%z: tensor<8x3xf32>, %t: tensor<8xi32>, %dl: tensor<f64>) {
  // expected-error @+2 {{'credo.softmax_cross_entropy_grad' op expects a rank-0 loss gradient of element type 'f32', but got 'tensor<f64>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.softmax_cross_entropy_grad %z, %t, %dl : tensor<8x3xf32>, tensor<8xi32>, tensor<f64> -> tensor<8x3xf32>
  return
}

// -----

func.func @f(%z: tensor<8x3xf32>, %t: tensor<7xi32>, %dl: tensor<f32>) {
  // expected-error @+2 {{'credo.softmax_cross_entropy_grad' op expects labels of shape [8] (one per logits row), but got 'tensor<7xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.softmax_cross_entropy_grad %z, %t, %dl : tensor<8x3xf32>, tensor<7xi32>, tensor<f32> -> tensor<8x3xf32>
  return
}

// -----

func.func @f(%p: tensor<8x3xf32>, %t: tensor<8x2xf32>, %dl: tensor<f32>) {
  // expected-error @+2 {{'credo.mse_grad' op expects prediction and target of the same type, but got 'tensor<8x3xf32>' and 'tensor<8x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = credo.mse_grad %p, %t, %dl : tensor<8x3xf32>, tensor<8x2xf32>, tensor<f32> -> tensor<8x3xf32>
  return
}

// -----

func.func @f(%p: tensor<8x3xf32>, %dl: tensor<1xf32>) {
  // expected-error @+1 {{'credo.mse_grad' op operand #2 must be 0D tensor of 32-bit float or 64-bit float values, but got 'tensor<1xf32>'}}
  %0 = "credo.mse_grad"(%p, %p, %dl) : (tensor<8x3xf32>, tensor<8x3xf32>, tensor<1xf32>) -> tensor<8x3xf32>
  return
}

// -----

func.func @f(%w: tensor<4xf32>, %lr: tensor<f64>) {
  // expected-error @+1 {{'credo.sgd_update' op expects a rank-0 learning rate of element type 'f32', but got 'tensor<f64>'}}
  %0 = credo.sgd_update %w, %w, %lr : tensor<4xf32>, tensor<4xf32>, tensor<f64>
  return
}

// -----

func.func @f(%w: tensor<4xf32>, %g: tensor<5xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'credo.sgd_update' op expects operands of the same type, but got 'tensor<4xf32>' and 'tensor<5xf32>'}}
  %0 = credo.sgd_update %w, %g, %lr : tensor<4xf32>, tensor<5xf32>, tensor<f32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// credo.time_loop, credo.yield, credo.time_slice
//===----------------------------------------------------------------------===//

func.func @steps(%h: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects at least 1 step, but got 0}}
  %r = credo.time_loop steps 0 iter_args(%h : tensor<2xf32>) -> (tensor<2xf32>) {
  ^bb0(%t: index, %c: tensor<2xf32>):
    credo.yield %c : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @body_args(%h: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects the body to take the step (index) and 1 carried value(s), but it takes 1 argument(s)}}
  %r = credo.time_loop steps 2 iter_args(%h : tensor<2xf32>) -> (tensor<2xf32>) {
  ^bb0(%c: tensor<2xf32>):
    credo.yield %c : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @carried_arg_type(%h: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects carried value #0 to be 'tensor<2xf32>' in the body, but it is 'tensor<3xf32>'}}
  %r = credo.time_loop steps 2 iter_args(%h : tensor<2xf32>) -> (tensor<2xf32>) {
  ^bb0(%t: index, %c: tensor<3xf32>):
    credo.yield %h : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @yield_count(%h: tensor<2xf32>) -> tensor<2xf32> {
  %r = credo.time_loop steps 2 iter_args(%h : tensor<2xf32>) -> (tensor<2xf32>) {
  ^bb0(%t: index, %c: tensor<2xf32>):
    // expected-error @+1 {{yields 2 carried value(s), but the loop carries 1}}
    credo.yield %c, %c : tensor<2xf32>, tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @yield_type(%h: tensor<2xf32>, %g: tensor<2xf64>) -> tensor<2xf32> {
  %r = credo.time_loop steps 2 iter_args(%h : tensor<2xf32>) -> (tensor<2xf32>) {
  ^bb0(%t: index, %c: tensor<2xf32>):
    // expected-error @+1 {{yields 'tensor<2xf64>' as carried value #0, which the loop carries as 'tensor<2xf32>'}}
    credo.yield %g : tensor<2xf64>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @result_count(%h: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects 2 results (1 carried, 1 recorded), but has 1}}
  %r = credo.time_loop steps 2 iter_args(%h : tensor<2xf32>) -> (tensor<2xf32>) {
  ^bb0(%t: index, %c: tensor<2xf32>):
    credo.yield %c : tensor<2xf32> record %c : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @result_type(%h: tensor<2xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{expects result #0 to be 'tensor<2xf32>', but it is 'tensor<3xf32>'}}
  %r = credo.time_loop steps 2 iter_args(%h : tensor<2xf32>) -> (tensor<3xf32>) {
  ^bb0(%t: index, %c: tensor<2xf32>):
    credo.yield %c : tensor<2xf32>
  }
  return %r : tensor<3xf32>
}

// -----

func.func @record_type(%h: tensor<2xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{expects recorded result #0 to be 'tensor<2x2xf32>' (2 steps of 'tensor<2xf32>'), but it is 'tensor<3x2xf32>'}}
  %r = credo.time_loop steps 2 -> (tensor<3x2xf32>) {
  ^bb0(%t: index):
    credo.yield record %h : tensor<2xf32>
  }
  return %r : tensor<3x2xf32>
}

// -----

func.func @no_yield(%h: tensor<2xf32>) {
  // expected-error @+1 {{expects its body to end with credo.yield}}
  "credo.time_loop"() ({
  ^bb0(%t: index):
    "other.end"() : () -> ()
  }) {steps = 2 : i64} : () -> ()
  return
}

// -----

func.func @yield_outside(%h: tensor<2xf32>) {
  // expected-error @+1 {{expects parent op 'credo.time_loop'}}
  credo.yield %h : tensor<2xf32>
}

// -----

func.func @ring_back(%r: tensor<4x2xf32>, %t: index) -> tensor<2xf32> {
  // expected-error @+2 {{expects 'back' in [0, 4) (a ring of 4 slots), but got 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %s = credo.ring_read %r[%t] {back = 4 : i64} : tensor<4x2xf32> -> tensor<2xf32>
  return %s : tensor<2xf32>
}

// -----

func.func @ring_rank(%r: tensor<f32>, %t: index) -> tensor<f32> {
  // expected-error @+2 {{expects a statically shaped ring buffer [k, ...], but got 'tensor<f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %s = credo.ring_read %r[%t] {back = 0 : i64} : tensor<f32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

func.func @ring_write_back(%r: tensor<4x2xf32>, %x: tensor<2xf32>, %t: index) -> tensor<4x2xf32> {
  // expected-error @+1 {{expects 'back' in [0, 4) (a ring of 4 slots), but got -1}}
  %s = credo.ring_write %r[%t], %x {back = -1 : i64} : tensor<4x2xf32>, tensor<2xf32>
  return %s : tensor<4x2xf32>
}

// -----

func.func @ring_write_slot(%r: tensor<4x2xf32>, %x: tensor<3xf32>, %t: index) -> tensor<4x2xf32> {
  // expected-error @+1 {{expects the value to be a slot of the ring, 'tensor<2xf32>', but got 'tensor<3xf32>'}}
  %s = credo.ring_write %r[%t], %x : tensor<4x2xf32>, tensor<3xf32>
  return %s : tensor<4x2xf32>
}

// -----

func.func @ring_add_int(%r: tensor<4x2xi64>, %x: tensor<2xi64>, %t: index) -> tensor<4x2xi64> {
  // expected-error @+1 {{adds into a ring of floats only, but the ring holds 'i64'}}
  %s = credo.ring_write %r[%t], %x {add} : tensor<4x2xi64>, tensor<2xi64>
  return %s : tensor<4x2xi64>
}

// -----

func.func @slice_step(%x: tensor<3x2xf32>, %i: index) -> tensor<2xf32> {
  // expected-error @+1 {{expects the step of an enclosing credo.time_loop}}
  %s = credo.time_slice %x[%i] : tensor<3x2xf32> -> tensor<2xf32>
  return %s : tensor<2xf32>
}

// -----

func.func @slice_extent(%x: tensor<3x2xf32>) {
  credo.time_loop steps 2 {
  ^bb0(%t: index):
    // expected-error @+1 {{expects the sequence to have 2 steps along axis 0 (the loop's), but it has 3}}
    %s = credo.time_slice %x[%t] : tensor<3x2xf32> -> tensor<2xf32>
    credo.yield
  }
  return
}

// -----

func.func @slice_dynamic(%x: tensor<?x2xf32>) {
  credo.time_loop steps 3 {
  ^bb0(%t: index):
    // expected-error @+1 {{expects the sequence to have 3 steps along axis 0 (the loop's), but its length there is dynamic}}
    %s = credo.time_slice %x[%t] : tensor<?x2xf32> -> tensor<2xf32>
    credo.yield
  }
  return
}

// -----

func.func @slice_axis(%x: tensor<3x2xf32>) {
  credo.time_loop steps 3 {
  ^bb0(%t: index):
    // expected-error @+2 {{expects 'axis' in [0, 2), but got 2}}
    // expected-error @+1 {{failed to infer returned types}}
    %s = credo.time_slice %x[%t] {axis = 2 : i64} : tensor<3x2xf32> -> tensor<2xf32>
    credo.yield
  }
  return
}

// -----

func.func @slice_result(%x: tensor<3x2xf32>) {
  credo.time_loop steps 3 {
  ^bb0(%t: index):
    // expected-error @+2 {{'credo.time_slice' op inferred type(s) 'tensor<2xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
    // expected-error @+1 {{failed to infer returned types}}
    %s = credo.time_slice %x[%t] : tensor<3x2xf32> -> tensor<3xf32>
    credo.yield
  }
  return
}

// -----

func.func @slice_scalar(%x: tensor<f32>) {
  credo.time_loop steps 3 {
  ^bb0(%t: index):
    // expected-error @+2 {{expects a statically shaped sequence of rank >= 1, but got 'tensor<f32>'}}
    // expected-error @+1 {{failed to infer returned types}}
    %s = credo.time_slice %x[%t] : tensor<f32> -> tensor<f32>
    credo.yield
  }
  return
}

// -----

// OK: a loop without carried values or results.
func.func @empty_loop() {
  credo.time_loop steps 1 {
  ^bb0(%t: index):
    credo.yield
  }
  return
}

// -----

func.func @transpose_perm(%x: tensor<4x3xf32>) {
  // expected-error @+2 {{'credo.transpose' op expects 'perm' to be a permutation of 0..1, but got [0, 0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = credo.transpose %x {perm = array<i64: 0, 0>} : tensor<4x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @transpose_rank(%x: tensor<4x3xf32>) {
  // expected-error @+2 {{'credo.transpose' op expects 'perm' to be a permutation of 0..1, but got [1, 0, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = credo.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<4x3xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @transpose_missing(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{'credo.transpose' op requires attribute 'perm'}}
  %y = "credo.transpose"(%x) : (tensor<4x3xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @scale_factor(%x: tensor<4xf32>) {
  // expected-error @+1 {{'credo.scale' op requires attribute 'factor'}}
  %y = "credo.scale"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// credo.lif, credo.lif_grad, credo.poisson_encode, credo.generator_next,
// credo.spike_count, credo.spike_count_grad
//===----------------------------------------------------------------------===//

func.func @lif_state_count(%i: tensor<2x3xf32>, %v: tensor<2x3xf32>) {
  // expected-error @+1 {{with model 'current' and t_ref 0 expects 3 state operands (v, c, r), but got 1}}
  %v1, %s = credo.lif %i state(%v : tensor<2x3xf32>) {model = #credo.lif_model<current>} : tensor<2x3xf32>
  return
}

// -----

func.func @lif_refractory_state(%i: tensor<2x3xf32>, %v: tensor<2x3xf32>) {
  // expected-error @+1 {{with model 'beta' and t_ref 3 expects 2 state operands (v, r), but got 1}}
  %v1, %s = credo.lif %i state(%v : tensor<2x3xf32>) {t_ref = 3 : i64} : tensor<2x3xf32>
  return
}

// -----

func.func @lif_state_type(%i: tensor<2x3xf32>, %v: tensor<3x2xf32>) {
  // expected-error @+1 {{expects state operand #0 to have the input's type 'tensor<2x3xf32>', but got 'tensor<3x2xf32>'}}
  %v1, %s = credo.lif %i state(%v : tensor<3x2xf32>) : tensor<2x3xf32>
  return
}

// -----

func.func @lif_int(%i: tensor<2x3xi32>, %v: tensor<2x3xi32>) {
  // expected-error @+1 {{expects input to be a tensor of f32 or f64, but got 'tensor<2x3xi32>'}}
  %v1, %s = credo.lif %i state(%v : tensor<2x3xi32>) : tensor<2x3xi32>
  return
}

// -----

func.func @lif_beta_range(%i: tensor<2xf32>, %v: tensor<2xf32>) {
  // expected-error @+1 {{expects beta in [0, 1], but got 1.5}}
  %v1, %s = credo.lif %i state(%v : tensor<2xf32>) {beta = 1.5 : f64} : tensor<2xf32>
  return
}

// -----

func.func @lif_tau(%i: tensor<2xf32>, %v: tensor<2xf32>, %c: tensor<2xf32>, %r: tensor<2xf32>) {
  // expected-error @+1 {{expects time constants tau_m and tau_s >= 1 (in steps), but got tau_m = 5.000000e-01 and tau_s = 8.000000e+00}}
  %v1, %c1, %r1, %s = credo.lif %i state(%v, %c, %r : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {model = #credo.lif_model<current>, tau_m = 0.5 : f64} : tensor<2xf32>
  return
}

// -----

func.func @lif_threshold(%i: tensor<2xf32>, %v: tensor<2xf32>) {
  // expected-error @+1 {{expects a positive finite threshold, but got 0.000000e+00}}
  %v1, %s = credo.lif %i state(%v : tensor<2xf32>) {threshold = 0.0 : f64} : tensor<2xf32>
  return
}

// -----

func.func @lif_slope(%i: tensor<2xf32>, %v: tensor<2xf32>) {
  // expected-error @+1 {{expects a positive finite surrogate slope, but got -1.000000e+00}}
  %v1, %s = credo.lif %i state(%v : tensor<2xf32>) {slope = -1.0 : f64} : tensor<2xf32>
  return
}

// -----

// Constants computed in f32: finite in f64 is not enough.
func.func @lif_threshold_f32(%i: tensor<2xf32>, %v: tensor<2xf32>) {
  // expected-error @+1 {{computes in f32, where threshold = 1.000000e+39 would be infinite; f32 holds magnitudes up to 3.4e38}}
  %v1, %s = credo.lif %i state(%v : tensor<2xf32>) {threshold = 1.0e39 : f64} : tensor<2xf32>
  return
}

// -----

func.func @lif_slope_f32(%i: tensor<2xf32>, %v: tensor<2xf32>) {
  // expected-error @+1 {{computes in f32, where slope = 1.000000e-50 would be 0; the smallest positive f32 is 1.4e-45}}
  %v1, %s = credo.lif %i state(%v : tensor<2xf32>) {slope = 1.0e-50 : f64} : tensor<2xf32>
  return
}

// -----

// The same constants are fine in f64.
func.func @lif_threshold_f64(%i: tensor<2xf64>, %v: tensor<2xf64>) {
  %v1, %s = credo.lif %i state(%v : tensor<2xf64>) {threshold = 1.0e39 : f64} : tensor<2xf64>
  // expected-error @+1 {{expects beta in [0, 1], but got 2}}
  %v2, %s2 = credo.lif %i state(%v : tensor<2xf64>) {beta = 2.0 : f64} : tensor<2xf64>
  return
}

// -----

func.func @lif_t_ref(%i: tensor<2xf32>, %v: tensor<2xf32>) {
  // expected-error @+1 {{expects t_ref in [0, 2^24] steps, but got -2}}
  %v1, %s = credo.lif %i state(%v : tensor<2xf32>) {t_ref = -2 : i64} : tensor<2xf32>
  return
}

// -----

func.func @lif_grad_count(%i: tensor<2xf32>, %v: tensor<2xf32>) {
  // expected-error @+1 {{expects 2 result gradients (new state, then spikes), but got 1}}
  %gi, %gv = credo.lif_grad %i state(%v : tensor<2xf32>) grads(%v : tensor<2xf32>) {surrogate = #credo.surrogate<fast_sigmoid>} : tensor<2xf32>
  return
}

// -----

func.func @lif_grad_type(%i: tensor<2xf32>, %v: tensor<2xf32>, %g: tensor<3xf32>) {
  // expected-error @+1 {{expects gradient #1 to have the input's type 'tensor<2xf32>', but got 'tensor<3xf32>'}}
  %gi, %gv = credo.lif_grad %i state(%v : tensor<2xf32>) grads(%v, %g : tensor<2xf32>, tensor<3xf32>) {surrogate = #credo.surrogate<fast_sigmoid>} : tensor<2xf32>
  return
}

// -----

func.func @lif_grad_surrogate(%i: tensor<2xf32>, %v: tensor<2xf32>) {
  // expected-error @+1 {{needs a surrogate derivative ('surrogate')}}
  %gi, %gv = credo.lif_grad %i state(%v : tensor<2xf32>) grads(%v, %v : tensor<2xf32>, tensor<2xf32>) : tensor<2xf32>
  return
}

// -----

func.func @lif_bad_model(%i: tensor<2xf32>, %v: tensor<2xf32>) {
  // expected-error @+2 {{expected ::mlir::credo::LifModel to be one of: beta, current}}
  // expected-error @+1 {{failed to parse Credo_LifModelAttr parameter 'value'}}
  %v1, %s = credo.lif %i state(%v : tensor<2xf32>) {model = #credo.lif_model<izhikevich>} : tensor<2xf32>
  return
}

// -----

func.func @poisson_generator(%x: tensor<2x3xf32>, %g: tensor<3xi64>) {
  // expected-error @+1 {{expects a generator [seed, draws] of type tensor<2xi64>, but got 'tensor<3xi64>'}}
  %s = credo.poisson_encode %x, %g : tensor<2x3xf32>, tensor<3xi64>
  return
}

// -----

func.func @poisson_scale(%x: tensor<2x3xf32>, %g: tensor<2xi64>) {
  // expected-error @+1 {{expects a finite non-negative rate_scale, but got -1.000000e+00}}
  %s = credo.poisson_encode %x, %g {rate_scale = -1.0 : f64} : tensor<2x3xf32>, tensor<2xi64>
  return
}

// -----

func.func @poisson_scale_f32(%x: tensor<2x3xf32>, %g: tensor<2xi64>) {
  // expected-error @+1 {{computes in f32, where rate_scale = 1.000000e+39 would be infinite; f32 holds magnitudes up to 3.4e38}}
  %s = credo.poisson_encode %x, %g {rate_scale = 1.0e39 : f64} : tensor<2x3xf32>, tensor<2xi64>
  return
}

// -----

func.func @poisson_stream(%x: tensor<2x3xf32>, %g: tensor<2xi64>) {
  // expected-error @+1 {{expects stream in [0, 2^32), but got 4294967296}}
  %s = credo.poisson_encode %x, %g {stream = 4294967296 : i64} : tensor<2x3xf32>, tensor<2xi64>
  return
}

// -----

func.func @poisson_part(%x: tensor<2x3xf32>, %g: tensor<2xi64>) {
  // expected-error @+1 {{expects part 'spikes', 'majority' or 'residual', but got 'half'}}
  %s = credo.poisson_encode %x, %g {part = "half"} : tensor<2x3xf32>, tensor<2xi64>
  return
}

// -----

func.func @poisson_size(%x: tensor<65536x65536xf32>, %g: tensor<2xi64>) {
  // expected-error @+1 {{draws one number per element and counts elements in 32 bits, but the input 'tensor<65536x65536xf32>' has 2^32 or more}}
  %s = credo.poisson_encode %x, %g : tensor<65536x65536xf32>, tensor<2xi64>
  return
}

// -----

func.func @generator_next(%g: tensor<2xi32>) {
  // expected-error @+1 {{expects a generator [seed, draws] of type tensor<2xi64>, but got 'tensor<2xi32>'}}
  %g1 = credo.generator_next %g : tensor<2xi32>
  return
}

// -----

func.func @spike_count_rank(%s: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects spike trains [T, …] with a leading time dimension, but got 'tensor<f32>'}}
  %n = credo.spike_count %s : tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @spike_count_grad_steps(%g: tensor<2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects steps in [1, 2^31), but got 0}}
  %s = credo.spike_count_grad %g {steps = 0 : i64} : tensor<2xf32> -> tensor<0x2xf32>
  return
}

// -----

func.func @spike_masks_rank(%s: tensor<4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects spikes of rank 2, but got rank 1 ('tensor<4xf32>')}}
  %m = credo.spike_masks %s : tensor<4xf32> -> tensor<2x1xi64>
  return
}

// -----

func.func @spike_masks_matmul_planes(%m: tensor<3x4x2xi64>, %d: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects masks [2, B, words] of i64 (credo.spike_masks), but got 'tensor<3x4x2xi64>'}}
  %y = credo.spike_masks_matmul %m, %d {width = 70 : i64} : tensor<3x4x2xi64>, tensor<4x8xf32> -> tensor<70x8xf32>
  return
}

// -----

func.func @spike_masks_matmul_rows(%m: tensor<2x4x2xi64>, %d: tensor<5x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects rhs with one row per spike row (4), but got 'tensor<5x8xf32>'}}
  %y = credo.spike_masks_matmul %m, %d {width = 70 : i64} : tensor<2x4x2xi64>, tensor<5x8xf32> -> tensor<70x8xf32>
  return
}

// -----

func.func @spike_masks_matmul_rhs(%m: tensor<2x4x2xi64>, %d: tensor<4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects rhs of rank 2, but got rank 1 ('tensor<4xf32>')}}
  %y = credo.spike_masks_matmul %m, %d {width = 70 : i64} : tensor<2x4x2xi64>, tensor<4xf32> -> tensor<70xf32>
  return
}

// -----

func.func @spike_masks_matmul_width(%m: tensor<2x4x2xi64>, %d: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects 'width' with 2 words of 64 spikes, but got 64}}
  %y = credo.spike_masks_matmul %m, %d {width = 64 : i64} : tensor<2x4x2xi64>, tensor<4x8xf32> -> tensor<64x8xf32>
  return
}

// -----

// expected-error @+1 {{a generator (key, counter) is tensor<2xi64>, but got 'tensor<3xi64>'}}
credo.param @rng3 : tensor<3xi64> init #credo.init<generator, seed = 1>

// -----

// expected-error @+1 {{a generator (key, counter) is tensor<2xi64>, but got 'tensor<2xf32>'}}
credo.param @rngf : tensor<2xf32> init #credo.init<generator>

// -----

func.func @exp_filter_tau(%x: tensor<2xf32>) {
  // expected-error @+1 {{expects positive finite tau and dt, but got tau = 0.000000e+00 and dt = 1.000000e+00}}
  %y = credo.exp_filter %x state(%x) {tau = 0.0 : f64} : tensor<2xf32>
  return
}

// -----

func.func @exp_filter_tau_f32(%x: tensor<2xf32>) {
  // expected-error @+1 {{computes in f32, where tau = 1.000000e+39 would be infinite; f32 holds magnitudes up to 3.4e38}}
  %y = credo.exp_filter %x state(%x) {tau = 1.0e39 : f64} : tensor<2xf32>
  return
}

// -----

func.func @exp_filter_types(%x: tensor<2xf32>, %t: tensor<3xf32>) {
  // expected-error @+1 {{all of {input, trace} have same type}}
  %y = "credo.exp_filter"(%x, %t) {tau = 1.0 : f64} : (tensor<2xf32>, tensor<3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @s_psp_shapes(%post: tensor<9x2x3xf32>, %pre: tensor<8x2x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects spike trains [T, B, N] and [T, B, M] of the same steps, batch and element type, but got 'tensor<9x2x3xf32>' and 'tensor<8x2x4xf32>'}}
  %e = credo.s_psp %post, %pre : tensor<9x2x3xf32>, tensor<8x2x4xf32> -> tensor<2x3x4xf32>
  return
}

// -----

func.func @s_psp_rank(%post: tensor<2x3xf32>, %pre: tensor<9x2x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects post of rank 3, but got rank 2}}
  %e = credo.s_psp %post, %pre : tensor<2x3xf32>, tensor<9x2x4xf32> -> tensor<2x3x4xf32>
  return
}

// -----

func.func @s_psp_tau(%post: tensor<9x2x3xf32>, %pre: tensor<9x2x4xf32>) {
  // expected-error @+1 {{expects positive finite tau_m and tau_s at least 1 % apart, but got tau_m = 8.000000e+00 and tau_s = 8.000000e+00}}
  %e = credo.s_psp %post, %pre {tau_m = 8.0 : f64} : tensor<9x2x3xf32>, tensor<9x2x4xf32> -> tensor<2x3x4xf32>
  return
}

// -----

// Time constants that differ by less than 1 %: the kernel's difference
// quotient would be rounding noise (equal decays per step in f32).
func.func @s_psp_tau_close(%post: tensor<9x2x3xf32>, %pre: tensor<9x2x4xf32>) {
  // expected-error @+1 {{expects positive finite tau_m and tau_s at least 1 % apart, but got tau_m = 6.400000e+01 and tau_s = 6.400001e+01}}
  %e = credo.s_psp %post, %pre {tau_m = 64.0 : f64, tau_s = 64.00001 : f64} : tensor<9x2x3xf32>, tensor<9x2x4xf32> -> tensor<2x3x4xf32>
  return
}

// -----

func.func @s_psp_tau_f32(%post: tensor<9x2x3xf32>, %pre: tensor<9x2x4xf32>) {
  // expected-error @+1 {{computes in f32, where tau_m = 1.000000e+39 would be infinite; f32 holds magnitudes up to 3.4e38}}
  %e = credo.s_psp %post, %pre {tau_m = 1.0e39 : f64} : tensor<9x2x3xf32>, tensor<9x2x4xf32> -> tensor<2x3x4xf32>
  return
}

// -----

func.func @s_psp_t_ref(%post: tensor<9x2x3xf32>, %pre: tensor<9x2x4xf32>) {
  // expected-error @+1 {{expects t_ref >= 0, but got -1}}
  %e = credo.s_psp %post, %pre {t_ref = -1 : i64} : tensor<9x2x3xf32>, tensor<9x2x4xf32> -> tensor<2x3x4xf32>
  return
}

// -----

func.func @einsum_spec(%d: tensor<2x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects a spec of lowercase index letters like "bi,bij->ji" (no letter twice in one operand or the result), but got "ii->i"}}
  %g = credo.einsum %d {spec = "ii->i"} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @einsum_count(%d: tensor<2x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{has 1 operands, but its spec "ab,bc->ac" names 2}}
  %g = credo.einsum %d {spec = "ab,bc->ac"} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @einsum_rank(%d: tensor<2x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{operand #0 has rank 2, but the spec names 3 dimensions for it ("abc")}}
  %g = credo.einsum %d {spec = "abc->a"} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @einsum_size(%d: tensor<2x3xf32>, %e: tensor<4x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{index 'b' has size 3 and 4 (operand #1)}}
  %g = credo.einsum %d, %e {spec = "ab,bc->ac"} : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @einsum_result(%d: tensor<2x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{result index 'z' names no operand dimension}}
  %g = credo.einsum %d {spec = "ab->z"} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @einsum_types(%d: tensor<2x3xf32>, %e: tensor<3xf64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects operands of one element type}}
  %g = credo.einsum %d, %e {spec = "ab,b->a"} : tensor<2x3xf32>, tensor<3xf64> -> tensor<2xf32>
  return
}

// -----

func.func @count_margin_labels(%o: tensor<16x10xf32>, %t: tensor<8xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects labels of shape [16] (one per counts row), but got 'tensor<8xi32>'}}
  %l = credo.count_margin_loss %o, %t : tensor<16x10xf32>, tensor<8xi32> -> tensor<f32>
  return
}

// -----

func.func @count_margin_margin(%o: tensor<16x10xf32>, %t: tensor<16xi32>) {
  // expected-error @+1 {{expects finite targets and a finite margin >= 0}}
  %l = credo.count_margin_loss %o, %t {margin = -1.0 : f64} : tensor<16x10xf32>, tensor<16xi32> -> tensor<f32>
  return
}

// -----

func.func @count_margin_high_f32(%o: tensor<16x10xf32>, %t: tensor<16xi32>) {
  // expected-error @+1 {{computes in f32, where high = 1.000000e+39 would be infinite; f32 holds magnitudes up to 3.4e38}}
  %l = credo.count_margin_loss %o, %t {high = 1.0e39 : f64} : tensor<16x10xf32>, tensor<16xi32> -> tensor<f32>
  return
}

// -----

func.func @gather_float_indices(%x: tensor<4x8xf32>, %i: tensor<6x2xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 64-bit signless integer values, but got 'tensor<6x2xf32>'}}
  %y = "credo.gather"(%x, %i) : (tensor<4x8xf32>, tensor<6x2xf32>) -> tensor<4x6xf32>
  return
}

// -----

func.func @gather_column(%x: tensor<4x8xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects 'column' in [0, 2) (the tuples have 2 components), but got 2}}
  %y = credo.gather %x, %i {column = 2 : i64} : tensor<4x8xf32>, tensor<6x2xi64> -> tensor<4x6xf32>
  return
}

// -----

func.func @gather_rank(%x: tensor<8xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects input [B, N] of rank 2, but got rank 1}}
  %y = "credo.gather"(%x, %i) : (tensor<8xf32>, tensor<6x2xi64>) -> tensor<6xf32>
  return
}

// -----

func.func @scatter_shape(%v: tensor<4x5xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects input [B, S…] for indices [S…, r] = 'tensor<6x2xi64>', but got 'tensor<4x5xf32>'}}
  %y = "credo.scatter_add"(%v, %i) {size = 8 : i64} : (tensor<4x5xf32>, tensor<6x2xi64>) -> tensor<4x8xf32>
  return
}

// -----

func.func @scatter_size(%v: tensor<4x6xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects 'size' >= 1, but got 0}}
  %y = "credo.scatter_add"(%v, %i) {size = 0 : i64} : (tensor<4x6xf32>, tensor<6x2xi64>) -> tensor<4x0xf32>
  return
}

// -----

func.func @contract_pairs(%i: tensor<6x3xi64>, %w: tensor<6xf32>, %x: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects index pairs [S…, 2], but got 'tensor<6x3xi64>'}}
  %y = "credo.sparse_contract"(%i, %w, %x) {size = 8 : i64} : (tensor<6x3xi64>, tensor<6xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @contract_weights(%i: tensor<6x2xi64>, %w: tensor<5xf32>, %x: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects one weight per index pair ('tensor<6x2xi64>' gives [6]), but got 'tensor<5xf32>'}}
  %y = "credo.sparse_contract"(%i, %w, %x) {size = 8 : i64} : (tensor<6x2xi64>, tensor<5xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @contract_columns(%i: tensor<6x2xi64>, %w: tensor<6xf32>, %x: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects 'columns' [0, 1] or [1, 0] (which component is the output and which the input), but got [1, 1]}}
  %y = "credo.sparse_contract"(%i, %w, %x) {size = 8 : i64, columns = array<i64: 1, 1>} : (tensor<6x2xi64>, tensor<6xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @contract_types(%i: tensor<6x2xi64>, %w: tensor<6xf64>, %x: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects weights and input to have the same element type, but got 'f64' and 'f32'}}
  %y = "credo.sparse_contract"(%i, %w, %x) {size = 8 : i64} : (tensor<6x2xi64>, tensor<6xf64>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @hyper_params_extents(%m: tensor<4x2xf32>) {
  // expected-error @+1 {{expects 'size' with one extent per tuple component (2), but got [8]}}
  %mu, %s2 = credo.hyper_params %m, %m {size = array<i64: 8>} : tensor<4x2xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @hyper_params_zero_extent(%m: tensor<4x2xf32>) {
  // expected-error @+1 {{expects 'size' extents in [1, 2^31], but got [8, 0]}}
  %mu, %s2 = credo.hyper_params %m, %m {size = array<i64: 8, 0>} : tensor<4x2xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @hyper_params_types(%m: tensor<4x2xf32>, %s: tensor<4x3xf32>) {
  // expected-error @+1 {{expects means and spreads of one type, but got 'tensor<4x2xf32>' and 'tensor<4x3xf32>'}}
  %mu, %s2 = credo.hyper_params %m, %s {size = array<i64: 8, 8>} : tensor<4x2xf32>, tensor<4x3xf32>
  return
}

// -----

func.func @hyper_params_scale(%m: tensor<4x2xf32>) {
  // expected-error @+1 {{expects a finite 'sigma_scale' > 0, but got 0}}
  %mu, %s2 = credo.hyper_params %m, %m {size = array<i64: 8, 8>, sigma_scale = 0.0 : f64} : tensor<4x2xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @hyper_params_eps(%m: tensor<4x2xf32>) {
  // expected-error @+1 {{expects a finite 'eps' >= 0, but got -1}}
  %mu, %s2 = credo.hyper_params %m, %m {size = array<i64: 8, 8>, eps = -1.0 : f64} : tensor<4x2xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @hyper_params_rank(%m: tensor<4x9xf32>) {
  // expected-error @+1 {{expects means [K, r] with 1 <= r <= 8 components, but got 'tensor<4x9xf32>'}}
  %mu, %s2 = credo.hyper_params %m, %m {size = array<i64: 8, 8, 8, 8, 8, 8, 8, 8, 8>} : tensor<4x9xf32>, tensor<4x9xf32>
  return
}

// -----

func.func @hyper_params_grad_types(%m: tensor<4x2xf32>, %g: tensor<4x2xf64>) {
  // expected-error @+1 {{expects gradients and spreads of the means' type 'tensor<4x2xf32>', but got 'tensor<4x2xf64>'}}
  %a, %b = credo.hyper_params_grad %g, %g, %m, %m {size = array<i64: 8, 8>} : tensor<4x2xf64>, tensor<4x2xf64>, tensor<4x2xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @hyper_sample_generator(%m: tensor<4x2xf32>, %g: tensor<3xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects a generator [seed, draws] of type tensor<2xi64>, but got 'tensor<3xi64>'}}
  %p = "credo.hyper_sample"(%m, %g) {size = array<i64: 8, 8>} : (tensor<4x2xf32>, tensor<3xi64>) -> tensor<4x12x2xi64>
  return
}

// -----

func.func @hyper_sample_counts(%m: tensor<4x2xf32>, %g: tensor<2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects 'global' and 'local' in [0, 4096] and 'region' in [0, 2^30], but got -1, 4 and 4}}
  %p = "credo.hyper_sample"(%m, %g) {size = array<i64: 8, 8>, global = -1 : i64} : (tensor<4x2xf32>, tensor<2xi64>) -> tensor<4x7x2xi64>
  return
}

// -----

func.func @index_dedup_rank(%i: tensor<4x2xi64>) {
  // expected-error @+1 {{expects indices [K, P, r] of rank 3, but got 'tensor<4x2xi64>'}}
  %m = credo.index_dedup %i : tensor<4x2xi64> -> tensor<4xf32>
  return
}

// -----

func.func @index_dedup_result(%i: tensor<4x12x2xi64>) {
  // expected-error @+1 {{expects a result [K, P] = [4, 12] for indices 'tensor<4x12x2xi64>', but got 'tensor<4x11xf32>'}}
  %m = credo.index_dedup %i : tensor<4x12x2xi64> -> tensor<4x11xf32>
  return
}

// -----

func.func @density_mu(%i: tensor<4x12x2xi64>, %mu: tensor<5x2xf32>, %m: tensor<4x12xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects mu and sigma2 of shape [K, r] = [4, 2] for indices 'tensor<4x12x2xi64>', but got 'tensor<5x2xf32>' and 'tensor<5x2xf32>'}}
  %r = "credo.gaussian_density"(%i, %mu, %mu, %m) : (tensor<4x12x2xi64>, tensor<5x2xf32>, tensor<5x2xf32>, tensor<4x12xf32>) -> tensor<4x12xf32>
  return
}

// -----

func.func @density_mask(%i: tensor<4x12x2xi64>, %mu: tensor<4x2xf32>, %m: tensor<4x12xf64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects a mask [K, P] = [4, 12] of mu's element type, but got 'tensor<4x12xf64>'}}
  %r = "credo.gaussian_density"(%i, %mu, %mu, %m) : (tensor<4x12x2xi64>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x12xf64>) -> tensor<4x12xf64>
  return
}

// -----

func.func @density_grad(%g: tensor<4x11xf32>, %i: tensor<4x12x2xi64>, %mu: tensor<4x2xf32>, %m: tensor<4x12xf32>) {
  // expected-error @+1 {{expects a gradient of the densities' type 'tensor<4x12xf32>', but got 'tensor<4x11xf32>'}}
  %a, %b = credo.gaussian_density_grad %g, %i, %mu, %mu, %m : tensor<4x11xf32>, tensor<4x12x2xi64>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x12xf32>
  return
}

// -----

func.func @round_indices_size(%mu: tensor<4x2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects 'size' with one extent per tuple component (2), but got [8, 8, 8]}}
  %r = credo.round_indices %mu {size = array<i64: 8, 8, 8>} : tensor<4x2xf32> -> tensor<4x2xi64>
  return
}

// -----

func.func @sparse_hyper_means(%x: tensor<4x8xf32>, %m: tensor<5x3xf32>, %v: tensor<5xf32>, %g: tensor<2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects means and spreads [K, 2] and values [K] of the input's element type, but got 'tensor<5x3xf32>', 'tensor<5x3xf32>' and 'tensor<5xf32>'}}
  %y = "credo.sparse_hyper"(%x, %m, %m, %v, %g) {units = 8 : i64} : (tensor<4x8xf32>, tensor<5x3xf32>, tensor<5x3xf32>, tensor<5xf32>, tensor<2xi64>) -> tensor<4x8xf32>
  return
}

// -----

func.func @sparse_hyper_units(%x: tensor<4x8xf32>, %m: tensor<5x2xf32>, %v: tensor<5xf32>, %g: tensor<2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects 'units' in [1, 2^31], but got 0}}
  %y = "credo.sparse_hyper"(%x, %m, %m, %v, %g) {units = 0 : i64} : (tensor<4x8xf32>, tensor<5x2xf32>, tensor<5x2xf32>, tensor<5xf32>, tensor<2xi64>) -> tensor<4x0xf32>
  return
}

// -----

// In f32 the spreads' scale (sigma_scale times an extent) must be a normal
// number: 1e38 · 16 is above 3.4e38.
func.func @sparse_hyper_sigma_scale_f32(%x: tensor<4x8xf32>, %m: tensor<5x2xf32>, %v: tensor<5xf32>, %g: tensor<2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects a 'sigma_scale' whose products with the extents (up to 16) are normal f32 numbers (1.2e-38 to 3.4e38), but got 1.000000e+38}}
  %y = "credo.sparse_hyper"(%x, %m, %m, %v, %g) {units = 16 : i64, sigma_scale = 1.0e38 : f64} : (tensor<4x8xf32>, tensor<5x2xf32>, tensor<5x2xf32>, tensor<5xf32>, tensor<2xi64>) -> tensor<4x16xf32>
  return
}

// -----

func.func @sparse_hyper_sigma_scale_tiny(%x: tensor<4x8xf32>, %m: tensor<5x2xf32>, %v: tensor<5xf32>, %g: tensor<2xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{expects a 'sigma_scale' whose products with the extents (up to 16) are normal f32 numbers (1.2e-38 to 3.4e38), but got 1.000000e-39}}
  %y = "credo.sparse_hyper"(%x, %m, %m, %v, %g) {units = 16 : i64, sigma_scale = 1.0e-39 : f64} : (tensor<4x8xf32>, tensor<5x2xf32>, tensor<5x2xf32>, tensor<5xf32>, tensor<2xi64>) -> tensor<4x16xf32>
  return
}

// -----

// In f64 the same scale is fine.
func.func @sparse_hyper_sigma_scale_f64(%x: tensor<4x8xf64>, %m: tensor<5x2xf64>, %v: tensor<5xf64>, %g: tensor<2xi64>) -> tensor<4x16xf64> {
  %y = "credo.sparse_hyper"(%x, %m, %m, %v, %g) {units = 16 : i64, sigma_scale = 1.0e37 : f64} : (tensor<4x8xf64>, tensor<5x2xf64>, tensor<5x2xf64>, tensor<5xf64>, tensor<2xi64>) -> tensor<4x16xf64>
  return %y : tensor<4x16xf64>
}

// -----

// expected-error @+1 {{random_pairs draws index pairs: the parameter is tensor<NNZ x 2 x i64>, but got 'tensor<5x3xi64>'}}
credo.param @pairs3 : tensor<5x3xi64> init #credo.init<random_pairs, rows = 4, cols = 4, seed = 1>

// -----

// expected-error @+1 {{cannot draw 13 distinct pairs from 3 x 4 positions}}
credo.param @toomany : tensor<13x2xi64> init #credo.init<random_pairs, rows = 3, cols = 4>

// -----

// expected-error @+1 {{initializer 'random_pairs' requires the key 'cols'}}
credo.param @nocols : tensor<3x2xi64> init #credo.init<random_pairs, rows = 3>

// -----

//===----------------------------------------------------------------------===//
// credo.bernoulli, credo.categorical, credo.execute_flags, credo.hold
//===----------------------------------------------------------------------===//

func.func @bernoulli_generator(%l: tensor<2x3xf32>, %g: tensor<2xi32>) {
  // expected-error @+1 {{expects a generator [seed, draws] of type tensor<2xi64>, but got 'tensor<2xi32>'}}
  %u, %lp, %s = credo.bernoulli %l, %g : tensor<2x3xf32>, tensor<2xi32>
  return
}

// -----

func.func @bernoulli_stream(%l: tensor<2x3xf32>, %g: tensor<2xi64>) {
  // expected-error @+1 {{expects stream in [0, 2^32), but got 4294967296}}
  %u, %lp, %s = credo.bernoulli %l, %g {stream = 4294967296 : i64} : tensor<2x3xf32>, tensor<2xi64>
  return
}

// -----

func.func @bernoulli_logits(%l: tensor<2x3xi32>, %g: tensor<2xi64>) {
  // expected-error @+1 {{expects logits to be a tensor of f32 or f64, but got 'tensor<2x3xi32>'}}
  %u, %lp, %s = credo.bernoulli %l, %g : tensor<2x3xi32>, tensor<2xi64>
  return
}

// -----

func.func @categorical_rank(%l: tensor<2x3x4xf32>, %g: tensor<2xi64>) {
  // expected-error @+1 {{expects logits of rank 2, but got rank 3}}
  %a, %lp, %s = credo.categorical %l, %g : tensor<2x3x4xf32>, tensor<2xi64>
  return
}

// -----

func.func @categorical_classes(%l: tensor<2x0xf32>, %g: tensor<2xi64>) {
  // expected-error @+1 {{expects between 1 and 2^24 classes, but the logits 'tensor<2x0xf32>' have 0}}
  %a, %lp, %s = credo.categorical %l, %g : tensor<2x0xf32>, tensor<2xi64>
  return
}

// -----

func.func @execute_p(%g: tensor<2xi64>) {
  // expected-error @+1 {{expects an execute probability p in [0, 1], but got 1.5}}
  %e = credo.execute_flags %g {p = 1.5 : f64} : tensor<2xi64> -> tensor<1x4xf32>
  return
}

// -----

func.func @execute_period(%g: tensor<2xi64>) {
  // expected-error @+1 {{expects period >= 0 (0: draw with probability p), but got -2}}
  %e = credo.execute_flags %g {period = -2 : i64} : tensor<2xi64> -> tensor<1x4xf32>
  return
}

// -----

func.func @execute_both(%g: tensor<2xi64>) {
  // expected-error @+1 {{takes either a probability p or a period, not both (p = 0.50, period = 3)}}
  %e = credo.execute_flags %g {p = 0.5 : f64, period = 3 : i64} : tensor<2xi64> -> tensor<1x4xf32>
  return
}

// -----

func.func @execute_stream(%g: tensor<2xi64>) {
  // expected-error @+1 {{expects stream in [0, 2^32), but got 4294967296}}
  %e = credo.execute_flags %g {stream = 4294967296 : i64} : tensor<2xi64> -> tensor<1x4xf32>
  return
}

// -----

func.func @hold_types(%e: tensor<1x4xf32>, %u: tensor<1x4xf32>, %p: tensor<1x4xf64>) {
  // expected-error @+1 {{failed to verify that all of {flags, input, previous} have same type}}
  %h = "credo.hold"(%e, %u, %p) : (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf64>) -> tensor<1x4xf32>
  return
}
