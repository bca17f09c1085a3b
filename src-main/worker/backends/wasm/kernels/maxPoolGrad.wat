;; MaxPoolGrad of the 2×2/2 pool that tiles its input exactly, in WebAssembly SIMD on the tfjs
;; wasm backend's memory, four channels at a time: the gradient of each window goes to its first
;; maximum in row-major window order (strictly greater, so ties keep the earlier element and NaN
;; never wins); a window whose values are all −∞ or NaN passes nothing — the cpu backend's rule.
;;
;; x and dx are [N, H, W, C], dy is [N, H/2, W/2, C]; C is a multiple of 4 (the JavaScript side
;; handles other widths). Pointers are byte offsets.
(module
  (import "env" "memory" (memory 1))

  (func (export "maxPoolGrad2x2") (param $x i32) (param $dy i32) (param $dx i32)
    (param $rows i32) (param $W i32) (param $C i32)
    ;; rows = N·H/2 output rows; each covers two input rows of W·C floats
    (local $rowBytes i32) (local $cBytes i32) (local $r i32) (local $ow i32) (local $c i32)
    (local $p i32) (local $q i32) (local $d i32) (local $OW i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $g v128)
    (local $best v128) (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $later v128)
    (local.set $cBytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $W) (local.get $cBytes)))
    (local.set $OW (i32.shr_u (local.get $W) (i32.const 1)))
    (local.set $r (i32.const 0))
    (block $doneRows
      (loop $rowsLoop
        (br_if $doneRows (i32.ge_u (local.get $r) (local.get $rows)))
        ;; p: top-left of the window row in x and dx (same layout); d: the dy row
        (local.set $p (i32.mul (local.get $r) (i32.shl (local.get $rowBytes) (i32.const 1))))
        (local.set $d (i32.mul (local.get $r) (i32.mul (local.get $OW) (local.get $cBytes))))
        (local.set $ow (i32.const 0))
        (loop $windows
          (local.set $c (i32.const 0))
          (loop $channels
            (local.set $q (i32.add (local.get $p) (local.get $c)))
            (local.set $x0 (v128.load (i32.add (local.get $x) (local.get $q))))
            (local.set $x1 (v128.load (i32.add (i32.add (local.get $x) (local.get $q)) (local.get $cBytes))))
            (local.set $x2 (v128.load (i32.add (i32.add (local.get $x) (local.get $q)) (local.get $rowBytes))))
            (local.set $x3 (v128.load (i32.add (i32.add (i32.add (local.get $x) (local.get $q)) (local.get $rowBytes)) (local.get $cBytes))))
            (local.set $g (v128.load (i32.add (local.get $dy) (i32.add (local.get $d) (local.get $c)))))
            ;; m0: x0 > −∞ (false for −∞ and NaN); best starts at x0 where m0, else −∞
            (local.set $m0 (f32x4.gt (local.get $x0) (v128.const f32x4 -inf -inf -inf -inf)))
            (local.set $best (v128.bitselect (local.get $x0) (v128.const f32x4 -inf -inf -inf -inf) (local.get $m0)))
            (local.set $m1 (f32x4.gt (local.get $x1) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $x1) (local.get $best) (local.get $m1)))
            (local.set $m2 (f32x4.gt (local.get $x2) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $x2) (local.get $best) (local.get $m2)))
            (local.set $m3 (f32x4.gt (local.get $x3) (local.get $best)))
            ;; the winner is the last position whose compare succeeded
            (v128.store (i32.add (i32.add (i32.add (local.get $dx) (local.get $q)) (local.get $rowBytes)) (local.get $cBytes))
              (v128.and (local.get $g) (local.get $m3)))
            (local.set $later (local.get $m3))
            (v128.store (i32.add (i32.add (local.get $dx) (local.get $q)) (local.get $rowBytes))
              (v128.and (local.get $g) (v128.andnot (local.get $m2) (local.get $later))))
            (local.set $later (v128.or (local.get $later) (local.get $m2)))
            (v128.store (i32.add (i32.add (local.get $dx) (local.get $q)) (local.get $cBytes))
              (v128.and (local.get $g) (v128.andnot (local.get $m1) (local.get $later))))
            (local.set $later (v128.or (local.get $later) (local.get $m1)))
            (v128.store (i32.add (local.get $dx) (local.get $q))
              (v128.and (local.get $g) (v128.andnot (local.get $m0) (local.get $later))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br_if $channels (i32.lt_u (local.get $c) (local.get $cBytes))))
          (local.set $p (i32.add (local.get $p) (i32.shl (local.get $cBytes) (i32.const 1))))
          (local.set $d (i32.add (local.get $d) (local.get $cBytes)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br_if $windows (i32.lt_u (local.get $ow) (local.get $OW))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop))))
)
