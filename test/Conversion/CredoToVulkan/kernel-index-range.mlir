// RUN: credo-opt %s --credo-kernel-arith -verify-diagnostics
// Kernels count with 32-bit integers: a count near 2^31 (here a sum of
// 2^31 terms), or within a loop's last step of it, would wrap, so a count
// past 2^31 - 2^17 is an error.
func.func @too_many(%t: index, %init: f32) -> f32 {
  %c256 = arith.constant 256 : index
  // expected-error @+1 {{the Vulkan target counts a kernel's elements and iterations with 32-bit integers, but this operation needs 2147483648 (more than 2^31 - 2^17 = 2147352576)}}
  %n = arith.constant 2147483648 : index
  %r = scf.for %i = %t to %n step %c256 iter_args(%acc = %init) -> (f32) {
    %s = arith.addf %acc, %init : f32
    scf.yield %s : f32
  }
  return %r : f32
}
