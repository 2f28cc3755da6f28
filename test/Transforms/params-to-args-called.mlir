// RUN: credo-opt %s --credo-params-to-args -verify-diagnostics
// A function with parameters must be an entry point: a call would need the
// caller to pass the parameters, which the pass does not do.

credo.param @w : tensor<2xf32> init #credo.init<zeros>

// expected-error @+1 {{credo-params-to-args: @uses_w is called; functions with parameters must be entry points}}
func.func @uses_w() -> tensor<2xf32> {
  %w = credo.get_param @w : tensor<2xf32>
  return %w : tensor<2xf32>
}

func.func @caller() -> tensor<2xf32> {
  %0 = call @uses_w() : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
