;; The fused training BatchNorm's passes over the activations, in WebAssembly SIMD, run on the
;; tfjs wasm backend's own memory (imported), so they read and write its tensors in place.
;;
;; Layout: activations are [M, C] row-major floats. The JavaScript side passes the first
;; rows4 × C elements (n, a multiple of L = 4·C, so that every period of L floats is four whole
;; rows and any four consecutive floats fall in one period) and per-position constants
;; replicated over a period (L floats each). Per-position sums are float64 (L each), folded into
;; C channels in JavaScript. All pointers are byte offsets; n and L count elements.
;;
;; Products are taken in float32 (as tfjs's cpu backend does) and summed in float64; the mean is
;; subtracted as a float32 pair (hi + lo) so that a large mean keeps the digits of a small spread.
(module
  (import "env" "memory" (memory 1))

  ;; acc[s] += Σ (x − k), acc[t] += Σ (x − k)² per position, over n elements.
  (func (export "sumsForward") (param $x i32) (param $k i32) (param $n i32) (param $L i32) (param $acc i32)
    (local $end i32) (local $pend i32) (local $kp i32) (local $ap i32) (local $tOff i32)
    (local $d v128) (local $d2 v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $tOff (i32.shl (local.get $L) (i32.const 3)))
    (block $done
      (loop $periods
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $pend (i32.add (local.get $x) (i32.shl (local.get $L) (i32.const 2))))
        (local.set $kp (local.get $k))
        (local.set $ap (local.get $acc))
        (loop $inner
          (local.set $d (f32x4.sub (v128.load (local.get $x)) (v128.load (local.get $kp))))
          (local.set $d2 (f32x4.mul (local.get $d) (local.get $d)))
          (v128.store offset=0 (local.get $ap)
            (f64x2.add (v128.load offset=0 (local.get $ap)) (f64x2.promote_low_f32x4 (local.get $d))))
          (v128.store offset=16 (local.get $ap)
            (f64x2.add (v128.load offset=16 (local.get $ap))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d)))))
          (v128.store offset=0 (i32.add (local.get $ap) (local.get $tOff))
            (f64x2.add (v128.load offset=0 (i32.add (local.get $ap) (local.get $tOff))) (f64x2.promote_low_f32x4 (local.get $d2))))
          (v128.store offset=16 (i32.add (local.get $ap) (local.get $tOff))
            (f64x2.add (v128.load offset=16 (i32.add (local.get $ap) (local.get $tOff)))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d2) (local.get $d2)))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $kp (i32.add (local.get $kp) (i32.const 16)))
          (local.set $ap (i32.add (local.get $ap) (i32.const 32)))
          (br_if $inner (i32.lt_u (local.get $x) (local.get $pend))))
        (br $periods))))

  ;; With d = x − k: acc[s] += Σ d, acc[t] += Σ dy·d, acc[u] += Σ dy per position.
  (func (export "sumsBackward") (param $x i32) (param $k i32) (param $dy i32) (param $n i32) (param $L i32) (param $acc i32)
    (local $end i32) (local $pend i32) (local $kp i32) (local $ap i32) (local $tOff i32) (local $uOff i32)
    (local $d v128) (local $g v128) (local $gd v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $tOff (i32.shl (local.get $L) (i32.const 3)))
    (local.set $uOff (i32.shl (local.get $L) (i32.const 4)))
    (block $done
      (loop $periods
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $pend (i32.add (local.get $x) (i32.shl (local.get $L) (i32.const 2))))
        (local.set $kp (local.get $k))
        (local.set $ap (local.get $acc))
        (loop $inner
          (local.set $d (f32x4.sub (v128.load (local.get $x)) (v128.load (local.get $kp))))
          (local.set $g (v128.load (local.get $dy)))
          (local.set $gd (f32x4.mul (local.get $g) (local.get $d)))
          (v128.store offset=0 (local.get $ap)
            (f64x2.add (v128.load offset=0 (local.get $ap)) (f64x2.promote_low_f32x4 (local.get $d))))
          (v128.store offset=16 (local.get $ap)
            (f64x2.add (v128.load offset=16 (local.get $ap))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d)))))
          (v128.store offset=0 (i32.add (local.get $ap) (local.get $tOff))
            (f64x2.add (v128.load offset=0 (i32.add (local.get $ap) (local.get $tOff))) (f64x2.promote_low_f32x4 (local.get $gd))))
          (v128.store offset=16 (i32.add (local.get $ap) (local.get $tOff))
            (f64x2.add (v128.load offset=16 (i32.add (local.get $ap) (local.get $tOff)))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gd) (local.get $gd)))))
          (v128.store offset=0 (i32.add (local.get $ap) (local.get $uOff))
            (f64x2.add (v128.load offset=0 (i32.add (local.get $ap) (local.get $uOff))) (f64x2.promote_low_f32x4 (local.get $g))))
          (v128.store offset=16 (i32.add (local.get $ap) (local.get $uOff))
            (f64x2.add (v128.load offset=16 (i32.add (local.get $ap) (local.get $uOff)))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g) (local.get $g)))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
          (local.set $kp (i32.add (local.get $kp) (i32.const 16)))
          (local.set $ap (i32.add (local.get $ap) (i32.const 32)))
          (br_if $inner (i32.lt_u (local.get $x) (local.get $pend))))
        (br $periods))))

  ;; y = ((x − mh) − ml)·s + b per position.
  (func (export "normalize") (param $x i32) (param $y i32) (param $n i32) (param $L i32)
    (param $mh i32) (param $ml i32) (param $s i32) (param $b i32)
    (local $end i32) (local $j i32) (local $pl i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $pl (i32.shl (local.get $L) (i32.const 2)))
    (block $done
      (loop $periods
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $j (i32.const 0))
        (loop $inner
          (v128.store (local.get $y)
            (f32x4.add
              (f32x4.mul
                (f32x4.sub
                  (f32x4.sub (v128.load (local.get $x)) (v128.load (i32.add (local.get $mh) (local.get $j))))
                  (v128.load (i32.add (local.get $ml) (local.get $j))))
                (v128.load (i32.add (local.get $s) (local.get $j))))
              (v128.load (i32.add (local.get $b) (local.get $j)))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $y (i32.add (local.get $y) (i32.const 16)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $inner (i32.lt_u (local.get $j) (local.get $pl))))
        (br $periods))))

  ;; dx = a·dy + k·((x − mh) − ml) + d per position.
  (func (export "inputGrad") (param $dy i32) (param $x i32) (param $dx i32) (param $n i32) (param $L i32)
    (param $mh i32) (param $ml i32) (param $a i32) (param $k i32) (param $d i32)
    (local $end i32) (local $j i32) (local $pl i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $pl (i32.shl (local.get $L) (i32.const 2)))
    (block $done
      (loop $periods
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $j (i32.const 0))
        (loop $inner
          (v128.store (local.get $dx)
            (f32x4.add
              (f32x4.add
                (f32x4.mul (v128.load (local.get $dy)) (v128.load (i32.add (local.get $a) (local.get $j))))
                (f32x4.mul
                  (f32x4.sub
                    (f32x4.sub (v128.load (local.get $x)) (v128.load (i32.add (local.get $mh) (local.get $j))))
                    (v128.load (i32.add (local.get $ml) (local.get $j))))
                  (v128.load (i32.add (local.get $k) (local.get $j)))))
              (v128.load (i32.add (local.get $d) (local.get $j)))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
          (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $inner (i32.lt_u (local.get $j) (local.get $pl))))
        (br $periods))))
)
