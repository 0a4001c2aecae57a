//! The kernels against libm: equality of bits, not closeness.
use super::*;
use crate::train::SplitMix64;

/// Column result against libm's, bit for bit, for every value of `xs`.
fn same_bits(xs: &[f64], column: fn(&[f64], &mut [f64]), libm: fn(f64) -> f64, name: &str) {
    let mut out = vec![0.0; xs.len()];
    column(xs, &mut out);
    for (&x, &y) in xs.iter().zip(&out) {
        let want = libm(x);
        assert!(
            y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()),
            "{name}({x:e} = {:#x}): {y:e} ({:#x}) against libm's {want:e} ({:#x})",
            x.to_bits(),
            y.to_bits(),
            want.to_bits()
        );
    }
}

/// How many lanes of `xs` the kernel hands to libm.
fn unsettled_share(xs: &[f64], lane: fn(f64) -> (f64, u64)) -> f64 {
    xs.iter().map(|&x| lane(x).1 as f64).sum::<f64>() / xs.len() as f64
}

/// Uniform in [lo, hi), `n` of them.
fn uniform(rng: &mut SplitMix64, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..n)
        .map(|_| lo + (hi - lo) * ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64))
        .collect()
}

/// Random bit patterns: every exponent, sign and mantissa.
fn any_bits(rng: &mut SplitMix64, n: usize) -> Vec<f64> {
    (0..n).map(|_| f64::from_bits(rng.next_u64())).collect()
}

/// The edges, and a few doubles either side of each.
fn edges(extra: &[f64]) -> Vec<f64> {
    let mut v = vec![
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
        f64::MIN_POSITIVE,
        -f64::MIN_POSITIVE,
        f64::MIN_POSITIVE / 3.0,
        5e-324,
        -5e-324,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        1.0,
        -1.0,
        2.0,
        0.5,
    ];
    v.extend_from_slice(extra);
    let mut around = Vec::new();
    for &x in &v {
        for d in 1..=40u64 {
            around.push(f64::from_bits(x.to_bits().wrapping_add(d)));
            around.push(f64::from_bits(x.to_bits().wrapping_sub(d)));
        }
    }
    v.extend(around);
    v
}

#[test]
fn exp_is_libms_to_the_bit() {
    let mut rng = SplitMix64(20);
    let mut xs = edges(&[
        708.0,
        -708.0,
        709.0,
        -709.0,
        709.782712893384,
        -745.1332191019411,
        -708.3964185322641,
        f64::ln(2.0) / 256.0,
        -f64::ln(2.0) / 256.0,
        1e-300,
        -1e-300,
    ]);
    xs.extend(uniform(&mut rng, 2_000_000, -20.0, 20.0));
    xs.extend(uniform(&mut rng, 1_000_000, -760.0, 720.0));
    xs.extend(uniform(&mut rng, 500_000, -1e-3, 1e-3));
    xs.extend(any_bits(&mut rng, 500_000));
    // Consecutive doubles: every last-bit pattern in a few places.
    for start in [0.1f64, -0.7, 1.0, 3.5, -40.0, 700.0] {
        xs.extend((0..100_000u64).map(|d| f64::from_bits(start.to_bits() + d)));
    }
    same_bits(&xs, exp_column, f64::exp, "exp");
    let share = unsettled_share(&uniform(&mut rng, 100_000, -20.0, 20.0), exp_lane);
    assert!(share < 0.15, "exp hands {share} of the lanes to libm");
}

#[test]
fn ln_is_libms_to_the_bit() {
    let mut rng = SplitMix64(21);
    let near = 1.0 / 512.0;
    let mut xs = edges(&[
        1.0 + near,
        1.0 - near,
        1.0 + 1.0 / 256.0,
        1.0 - 1.0 / 256.0,
        0.6875,
        1.375,
        f64::consts::E,
        1e-300,
        1e300,
    ]);
    xs.extend(uniform(&mut rng, 2_000_000, 0.0, 1.0));
    xs.extend(uniform(&mut rng, 1_000_000, 0.0, 100.0));
    xs.extend(uniform(&mut rng, 500_000, 0.99, 1.01));
    xs.extend(uniform(&mut rng, 200_000, 1.0 - near, 1.0 + near));
    xs.extend(any_bits(&mut rng, 500_000));
    for start in [1.0f64, 1.0 - near, 0.5, 0.75, 1.0 + near, 1e-5, 3.0] {
        xs.extend((0..100_000u64).map(|d| f64::from_bits(start.to_bits() + d)));
        xs.extend((0..100_000u64).map(|d| f64::from_bits(start.to_bits() - d)));
    }
    same_bits(&xs, ln_column, f64::ln, "ln");
    let share = unsettled_share(&uniform(&mut rng, 100_000, 0.0, 1.0), ln_lane);
    assert!(share < 0.15, "ln hands {share} of the lanes to libm");
}

#[test]
fn sigmoid_column_is_the_scalar_sigmoid() {
    let mut rng = SplitMix64(22);
    let mut xs = edges(&[40.0, -40.0, 800.0, -800.0, 710.0, -710.0]);
    xs.extend(uniform(&mut rng, 1_000_000, -30.0, 30.0));
    xs.extend(any_bits(&mut rng, 200_000));
    same_bits(&xs, sigmoid_column, crate::ops::sigmoid, "sigmoid");
}

use std::f64;

/// Every operation with a column rule: the batch engine's column gives the
/// bits of the scalar engine's `forward`, value by value.
#[test]
fn every_column_rule_is_its_forward_rule() {
    let mut rng = SplitMix64(23);
    let mut xs = edges(&[700.0, -700.0, 710.0, -746.0]);
    xs.extend(uniform(&mut rng, 200_000, -40.0, 40.0));
    xs.extend(any_bits(&mut rng, 100_000));
    let mut seen = 0;
    for def in crate::ops::DEFS.iter() {
        if let Some(column) = def.column {
            let mut out = vec![0.0; xs.len()];
            column(&xs, &mut out);
            for (&x, &y) in xs.iter().zip(&out) {
                let want = (def.forward)(&[x]);
                assert!(
                    y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()),
                    "{}({x:e}): {y:e} against {want:e}",
                    def.name
                );
            }
            seen += 1;
        }
    }
    assert!(seen >= 2, "exp and sigmoid have column rules");
}
