// RUN: credo-opt %s --credo-kernel-arith | FileCheck %s

// A widened index compared with a constant is compared in the index type.
// CHECK-LABEL: func.func @compare
// CHECK: %[[C7:.*]] = arith.constant 7 : index
// CHECK: %[[T:.*]] = arith.cmpi slt, %arg0, %[[C7]] : index
// CHECK: return %[[T]]
func.func @compare(%i: index) -> i1 {
  %w = arith.index_cast %i : index to i64
  %c7 = arith.constant 7 : i64
  %t = arith.cmpi slt, %w, %c7 : i64
  return %t : i1
}

// Not for a constant the index type cannot hold, nor a negative one under
// an unsigned predicate.
// CHECK-LABEL: func.func @keep
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : i64
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : i64
func.func @keep(%i: index) -> (i1, i1) {
  %w = arith.index_cast %i : index to i64
  %big = arith.constant 5000000000 : i64
  %neg = arith.constant -1 : i64
  %a = arith.cmpi slt, %w, %big : i64
  %b = arith.cmpi ult, %w, %neg : i64
  return %a, %b : i1, i1
}

// x / 0 written out: NaN where x is 0 or NaN, else copysign(inf, x)
// (negated for -0).
// CHECK-LABEL: func.func @divide
// CHECK-NOT: arith.divf
// CHECK: %[[INF:.*]] = math.copysign %{{.*}}, %arg0 : f32
// CHECK: %[[UND:.*]] = arith.cmpf ueq, %arg0, %{{.*}} : f32
// CHECK: arith.select %[[UND]], %{{.*}}, %[[INF]] : f32
// CHECK: arith.negf
// CHECK: arith.divf %arg0, %arg1 : f32
func.func @divide(%x: f32, %y: f32) -> (f32, f32, f32) {
  %z = arith.constant 0.0 : f32
  %nz = arith.constant -0.0 : f32
  %a = arith.divf %x, %z : f32
  %b = arith.divf %x, %nz : f32
  %c = arith.divf %x, %y : f32
  return %a, %b, %c : f32, f32, f32
}

// A loop with results that may run no iteration goes under an scf.if that
// yields its initial value then; a loop with constant bounds lb < ub, and a
// loop without results, stay as they are.
// CHECK-LABEL: func.func @loops
// CHECK: %[[RUNS:.*]] = arith.cmpi slt, %arg0, %arg1 : index
// CHECK: %[[R:.*]] = scf.if %[[RUNS]] -> (f32) {
// CHECK: %[[L:.*]] = scf.for %{{.*}} = %arg0 to %arg1 step %{{.*}} iter_args(%{{.*}} = %arg2) -> (f32) {
// CHECK: scf.yield %[[L]] : f32
// CHECK: } else {
// CHECK: scf.yield %arg2 : f32
// CHECK: %[[K:.*]] = scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args
// CHECK-NOT: scf.if
// CHECK: return %[[R]], %[[K]] : f32, f32
func.func @loops(%lb: index, %ub: index, %init: f32, %m: memref<4xf32>) -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %lb to %ub step %c1 iter_args(%acc = %init) -> (f32) {
    %s = arith.addf %acc, %acc : f32
    scf.yield %s : f32
  }
  %k = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %init) -> (f32) {
    %s = arith.addf %acc, %acc : f32
    scf.yield %s : f32
  }
  scf.for %i = %lb to %ub step %c1 {
    memref.store %init, %m[%i] : memref<4xf32>
  }
  return %r, %k : f32, f32
}

// A loop that may run more than 4096 passes (upper bound 100000, step 16:
// 6250) is unrolled 8 times, its remainder in a loop of its own; one of
// 4096 passes stays as it is.
// CHECK-LABEL: func.func @long_loop
// CHECK: %[[STRIDE:.*]] = arith.muli %c16, %c8 : index
// CHECK: scf.for %{{.*}} = %arg0 to %{{.*}} step %[[STRIDE]]
// CHECK-COUNT-8: arith.addf
// CHECK: scf.yield
// CHECK: scf.for %{{.*}} = %{{.*}} to %c100000 step %c16
// CHECK-COUNT-1: arith.addf
// CHECK: scf.for %{{.*}} = %arg0 to %c65536 step %c16
// CHECK-COUNT-1: arith.addf
// CHECK-NOT: arith.addf
// CHECK: return
func.func @long_loop(%t: index, %init: f32) -> (f32, f32) {
  %c16 = arith.constant 16 : index
  %n = arith.constant 100000 : index
  %short = arith.constant 65536 : index
  %r = scf.for %i = %t to %n step %c16 iter_args(%acc = %init) -> (f32) {
    %s = arith.addf %acc, %init : f32
    scf.yield %s : f32
  }
  %k = scf.for %i = %t to %short step %c16 iter_args(%acc = %init) -> (f32) {
    %s = arith.addf %acc, %init : f32
    scf.yield %s : f32
  }
  return %r, %k : f32, f32
}

// A loop of 2^19 passes (a full sum of 2^27 terms in one of 256
// invocations) is unrolled 16 times, to 32768 passes: 8 times left 65536,
// past lavapipe's limit.
// CHECK-LABEL: func.func @longer_loop
// CHECK: %[[STRIDE16:.*]] = arith.muli %c1, %c16 : index
// CHECK: scf.for %{{.*}} = %arg0 to %{{.*}} step %[[STRIDE16]]
// CHECK-COUNT-16: arith.addf
// CHECK: scf.yield
func.func @longer_loop(%t: index, %init: f32) -> f32 {
  %c1 = arith.constant 1 : index
  %n = arith.constant 524288 : index
  %r = scf.for %i = %t to %n step %c1 iter_args(%acc = %init) -> (f32) {
    %s = arith.addf %acc, %init : f32
    scf.yield %s : f32
  }
  return %r : f32
}

// f32 tanh: its Taylor polynomial where |x| < 0.3 (the driver's formula
// cancels near 0), else the driver's; f64 is left to credo-expand-f64-math.
// CHECK-LABEL: func.func @tanh
// CHECK: %[[X2:.*]] = arith.mulf %arg0, %arg0 : f32
// CHECK-COUNT-5: arith.mulf %{{.*}}, %[[X2]] : f32
// CHECK: %[[SERIES:.*]] = arith.mulf %arg0, %{{.*}} : f32
// CHECK: %[[NATIVE:.*]] = math.tanh %arg0 : f32
// CHECK: %[[ABS:.*]] = math.absf %arg0 : f32
// CHECK: %[[SMALL:.*]] = arith.cmpf olt, %[[ABS]], %{{.*}} : f32
// CHECK: arith.select %[[SMALL]], %[[SERIES]], %[[NATIVE]] : f32
// CHECK: math.tanh %arg1 : f64
func.func @tanh(%x: f32, %y: f64) -> (f32, f64) {
  %a = math.tanh %x : f32
  %b = math.tanh %y : f64
  return %a, %b : f32, f64
}

// f32 log1p as credo-expand-log1p writes it (log1p-expansion.mlir).
// CHECK-LABEL: func.func @log1p
// CHECK-NOT: math.log1p
// CHECK: math.log %{{.*}} : f32
// CHECK: return
func.func @log1p(%x: f32) -> f32 {
  %a = math.log1p %x : f32
  return %a : f32
}

// f32 exp: the driver's exp sees the reduced argument r = x - n ln 2 only;
// 2^n comes from exponent bits in two factors; overflow, underflow and NaN
// are selected. f64's is left to credo-expand-f64-math.
// CHECK-LABEL: func.func @exp
// CHECK: %[[INVLN2:.*]] = arith.constant 1.44269502 : f32
// CHECK: %[[S:.*]] = arith.mulf %arg0, %[[INVLN2]] : f32
// CHECK: %[[N0:.*]] = math.roundeven %[[S]] : f32
// CHECK: %[[N1:.*]] = arith.maximumf %[[N0]], %{{.*}} : f32
// CHECK: %[[N:.*]] = arith.minimumf %[[N1]], %{{.*}} : f32
// CHECK: %[[HI:.*]] = arith.constant 0.693359375 : f32
// CHECK: %[[NH:.*]] = arith.mulf %[[N]], %[[HI]] : f32
// CHECK: %[[R0:.*]] = arith.subf %arg0, %[[NH]] : f32
// CHECK: %[[LO:.*]] = arith.constant -2.12194442E-4 : f32
// CHECK: %[[NL:.*]] = arith.mulf %[[N]], %[[LO]] : f32
// CHECK: %[[R:.*]] = arith.subf %[[R0]], %[[NL]] : f32
// CHECK: %[[M:.*]] = math.exp %[[R]] : f32
// CHECK: %[[K:.*]] = arith.fptosi %[[N]] : f32 to i32
// CHECK: %[[HALF:.*]] = arith.divsi %[[K]], %{{.*}} : i32
// CHECK: %[[REST:.*]] = arith.subi %[[K]], %[[HALF]] : i32
// CHECK: arith.addi %[[HALF]]
// CHECK: arith.shli
// CHECK: %[[P1:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK: %[[Y1:.*]] = arith.mulf %[[M]], %[[P1]] : f32
// CHECK: arith.addi %[[REST]]
// CHECK: arith.shli
// CHECK: %[[P2:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK: %[[Y2:.*]] = arith.mulf %[[Y1]], %[[P2]] : f32
// CHECK: arith.constant 88.7228394 : f32
// CHECK: arith.constant 0x7F800000 : f32
// CHECK: arith.cmpf ogt, %arg0
// CHECK: arith.select %{{.*}}, %{{.*}}, %[[Y2]]
// CHECK: arith.constant -103.972084 : f32
// CHECK: arith.cmpf olt, %arg0
// CHECK: arith.select
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %arg0, %arg0 : f32
// CHECK: %[[Y:.*]] = arith.select %[[NAN]], %arg0, %{{.*}} : f32
// CHECK: %[[D:.*]] = math.exp %arg1 : f64
// CHECK: return %[[Y]], %[[D]] : f32, f64
// CHECK-LABEL: func.func @exp_vector
func.func @exp(%x: f32, %y: f64) -> (f32, f64) {
  %e = math.exp %x : f32
  %d = math.exp %y : f64
  return %e, %d : f32, f64
}

// Vectors of f32 the same way, with vector integers for the exponent.
// CHECK: math.exp %{{.*}} : vector<4xf32>
// CHECK: arith.fptosi %{{.*}} : vector<4xf32> to vector<4xi32>
// CHECK: arith.bitcast %{{.*}} : vector<4xi32> to vector<4xf32>
func.func @exp_vector(%x: vector<4xf32>) -> vector<4xf32> {
  %e = math.exp %x : vector<4xf32>
  return %e : vector<4xf32>
}
