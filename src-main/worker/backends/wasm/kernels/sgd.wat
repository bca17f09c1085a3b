;; The SGD-with-momentum update of core/sgd.ts in one pass, WebAssembly SIMD on the tfjs wasm
;; backend's memory: g' = g + wd·θ, v' = μ·v + g', θ' = θ − lr·v'. Every product and sum is
;; rounded to float32 in the same order as the composed tfjs ops (wasm SIMD has no fused
;; multiply-add), so the result is bit-identical to them. n is a multiple of 4; byte pointers.
(module
  (import "env" "memory" (memory 1))

  (func (export "sgdMomentum") (param $theta i32) (param $v i32) (param $g i32)
    (param $outTheta i32) (param $outV i32) (param $n i32)
    (param $lr f32) (param $mu f32) (param $wd f32)
    (local $end i32) (local $t v128) (local $nv v128) (local $gw v128)
    (local $lrv v128) (local $muv v128) (local $wdv v128)
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $muv (f32x4.splat (local.get $mu)))
    (local.set $wdv (f32x4.splat (local.get $wd)))
    (local.set $end (i32.add (local.get $theta) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $theta) (local.get $end)))
        (local.set $t (v128.load (local.get $theta)))
        (local.set $gw (f32x4.add (v128.load (local.get $g)) (f32x4.mul (local.get $t) (local.get $wdv))))
        (local.set $nv (f32x4.add (f32x4.mul (v128.load (local.get $v)) (local.get $muv)) (local.get $gw)))
        (v128.store (local.get $outV) (local.get $nv))
        (v128.store (local.get $outTheta) (f32x4.sub (local.get $t) (f32x4.mul (local.get $nv) (local.get $lrv))))
        (local.set $theta (i32.add (local.get $theta) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $outTheta (i32.add (local.get $outTheta) (i32.const 16)))
        (local.set $outV (i32.add (local.get $outV) (i32.const 16)))
        (br $each))))
)
