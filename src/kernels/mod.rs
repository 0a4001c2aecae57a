//! `exp` and `ln` a column at a time, bit for bit glibc's.
//!
//! Every printed number is the shortest text that reads back exactly, so a
//! kernel that differs from libm in one last bit would change printed
//! results. These kernels return exactly what the C library's `exp`/`log`
//! return: each lane is evaluated with extra precision (double-double, a
//! table of 128 entries, error below about 2^-60 relative), rounded to the
//! nearest double `hi` with the exact remainder `lo`; where `lo` is less
//! than 0.47 of the gap to the neighbouring double, the true value is more
//! than 0.025 ulp from a rounding midpoint, and a libm within 0.52 ulp of
//! it (glibc's documented bound for `exp`/`log` since 2.28: 0.511 and
//! 0.519 ulp) must return that same nearest double. The other lanes (about
//! one in sixteen, and the edges: ±0, subnormals, infinities, NaN, near
//! overflow and underflow, `ln(1)`) are handed to libm itself. So the
//! scalar engine, which calls libm, and the batch engine, which calls these
//! kernels (the op table's `column` rules: `exp` and `sigmoid`), agree to
//! the bit.
//!
//! `ln_column` is exact too but is not used: on the project's machine (AMD
//! EPYC, AVX2, 2 cores) it took 7.7–7.9 ns a value against glibc's `log`
//! 5.5–5.8 ns, while `exp_column` took 4.9–5.0 ns against glibc's `exp`
//! 6.5–6.8 ns (CPU time over 52M values, min and median of 9 alternated
//! runs, load 4.9–5.0): the table lookups (three a lane, scalar: the
//! compiler will not gather) and the double-double sums cost more than
//! glibc's own table method.
//!
//! The vector path needs AVX2 and FMA (detected at run time, the default
//! target being baseline x86-64); elsewhere the column functions call libm
//! a value at a time.

#[rustfmt::skip]
mod tables;
use tables::*;

/// Rows evaluated, then checked for lanes handed to libm, at a time.
const CHUNK: usize = 64;

/// `out[i] = xs[i].exp()`, bit for bit.
pub fn exp_column(xs: &[f64], out: &mut [f64]) {
    let n = xs.len().min(out.len());
    let (xs, out) = (&xs[..n], &mut out[..n]);
    #[cfg(target_arch = "x86_64")]
    if vector() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        unsafe { exp_fma(xs, out) };
        return;
    }
    for (y, &x) in out.iter_mut().zip(xs) {
        *y = x.exp();
    }
}

/// `out[i] = xs[i].ln()`, bit for bit.
pub fn ln_column(xs: &[f64], out: &mut [f64]) {
    let n = xs.len().min(out.len());
    let (xs, out) = (&xs[..n], &mut out[..n]);
    #[cfg(target_arch = "x86_64")]
    if vector() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        unsafe { ln_fma(xs, out) };
        return;
    }
    for (y, &x) in out.iter_mut().zip(xs) {
        *y = x.ln();
    }
}

/// `out[i] = sigmoid(xs[i])` ([`crate::ops::sigmoid`]'s arithmetic: the
/// exp of −|x|, then 1/(1+e) or e/(1+e)), bit for bit.
pub fn sigmoid_column(xs: &[f64], out: &mut [f64]) {
    let n = xs.len().min(out.len());
    let (xs, out) = (&xs[..n], &mut out[..n]);
    #[cfg(target_arch = "x86_64")]
    if vector() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        unsafe { sigmoid_fma(xs, out) };
        return;
    }
    for (y, &x) in out.iter_mut().zip(xs) {
        *y = crate::ops::sigmoid(x);
    }
}

/// Whether the vector kernels can run (AVX2 and FMA).
#[cfg(target_arch = "x86_64")]
#[inline]
fn vector() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn exp_fma(xs: &[f64], out: &mut [f64]) {
    columns(xs, out, |_, x| exp_lane(x), f64::exp)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn sigmoid_fma(xs: &[f64], out: &mut [f64]) {
    let lane = |_, x: f64| {
        let (e, unsettled) = exp_lane(-x.abs());
        let y = if x >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        };
        (y, unsettled)
    };
    columns(xs, out, lane, crate::ops::sigmoid)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn ln_fma(xs: &[f64], out: &mut [f64]) {
    let mut entries = [[0.0; CHUNK]; 3];
    let mut index = [0u64; CHUNK];
    for (xc, oc) in xs.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
        // The indices (vectorised), then the loads a lane at a time.
        for (i, &x) in index.iter_mut().zip(xc) {
            *i = ln_index(x);
        }
        for (l, &i) in index[..xc.len()].iter().enumerate() {
            let i = (i as usize).min(NEAR_ONE as usize);
            entries[0][l] = LN_INVC[i];
            entries[1][l] = LN_LOGC_HI[i];
            entries[2][l] = LN_LOGC_LO[i];
        }
        let [invc, chi, clo] = &entries;
        columns(
            xc,
            oc,
            |l, x| ln_finish(x, [invc[l], chi[l], clo[l]]),
            f64::ln,
        );
    }
}

/// A chunk at a time: every lane by `lane` (given its place in the chunk
/// and its value), then the lanes it could not settle by `libm`.
#[inline(always)]
fn columns(
    xs: &[f64],
    out: &mut [f64],
    lane: impl Fn(usize, f64) -> (f64, u64),
    libm: impl Fn(f64) -> f64,
) {
    let mut unsettled = [0u64; CHUNK];
    for (xc, oc) in xs.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
        let mut any = 0;
        for (l, ((y, &x), u)) in oc.iter_mut().zip(xc).zip(unsettled.iter_mut()).enumerate() {
            let (v, bad) = lane(l, x);
            *y = v;
            *u = bad;
            any |= bad;
        }
        if any != 0 {
            for ((y, &x), &u) in oc.iter_mut().zip(xc).zip(&unsettled) {
                if u != 0 {
                    *y = libm(x);
                }
            }
        }
    }
}

/// a + b = s + e exactly.
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// The nearest double `hi` to `hi + lo` (|lo| ≤ half the gap): 0 when the
/// true value, within a tiny error of `hi + lo`, is far enough from a
/// rounding midpoint (0.03 ulp, less our error: below 0.005 ulp) that any
/// libm within 0.52 ulp returns `hi`; 1 when not.
#[inline(always)]
fn unsettled(hi: f64, lo: f64) -> u64 {
    let bits = hi.to_bits();
    // The neighbour on lo's side: one more in magnitude when lo has hi's sign.
    let away = (lo > 0.0) == (hi > 0.0);
    let next = f64::from_bits(if away {
        bits.wrapping_add(1)
    } else {
        bits.wrapping_sub(1)
    });
    let gap = (next - hi).abs();
    // NaN (hi = 0 or not finite) is unsettled too.
    u64::from(lo.abs().partial_cmp(&(0.47 * gap)) != Some(std::cmp::Ordering::Less))
}

/// 1.5 × 2^52: adding it rounds to an integer held in the low bits.
const SHIFT: f64 = 6755399441055744.0;

/// exp(x) for one lane and whether it is unsettled (see [`unsettled`]).
/// x = k ln2/128 + r (|r| ≤ ln2/256), exp(x) = 2^(k/128) e^r, with
/// 2^(j/128) from the table as hi + lo and e^r − 1 as r + (degree 2..6).
#[inline(always)]
fn exp_lane(x: f64) -> (f64, u64) {
    // The result is normal and finite: else libm (NaN fails both tests).
    let inside = x > -708.0 && x < 709.0;
    let x = if inside { x } else { 0.0 };
    let kd = x * INV_LN2_128 + SHIFT;
    let k = kd.to_bits().wrapping_sub(SHIFT.to_bits()) as i64;
    let kd = kd - SHIFT;
    // Exact: k × HI has at most 52 bits, and x is close to it.
    let r1 = x - kd * LN2_128_HI;
    let th = kd * LN2_128_LO;
    let tl = kd.mul_add(LN2_128_LO, -th);
    let (rh, rl) = two_sum(r1, -th);
    let rl = rl - tl;
    // e^r − 1 − r = r²/2 + … (|r| < 2^-8.5: the term in r^7 is below 2^-71).
    let p = rh.mul_add(1.0 / 720.0, 1.0 / 120.0);
    let p = rh.mul_add(p, 1.0 / 24.0);
    let p = rh.mul_add(p, 1.0 / 6.0);
    let p = rh.mul_add(p, 0.5);
    let q = (rh * rh).mul_add(p, rh * rl);
    let plo = rl + q;
    let j = (k & 127) as usize;
    let (th, tl) = (EXP_HI[j], EXP_LO[j]);
    // T (1 + rh + plo) = Th + Th rh + (Th plo + Tl + Tl rh).
    let ah = th * rh;
    let al = th.mul_add(rh, -ah);
    let sh = th + ah;
    let sl = (th - sh) + ah;
    let tail = sl + al + th.mul_add(plo, tl.mul_add(rh, tl));
    let hi = sh + tail;
    let lo = (sh - hi) + tail;
    // 2^(k >> 7) (k > -1023 × 128 here: a logical shift does).
    let scale = f64::from_bits((k.wrapping_add(1023 << 7) as u64 >> 7) << 52);
    (hi * scale, unsettled(hi, lo) | u64::from(!inside))
}

/// The bits of 0.6875: z = x / 2^k lies in [0.6875, 1.375).
const OFF: u64 = 0x3fe6_0000_0000_0000;

/// ln(1 + r) − r + r²/2 for |r| < 2^-8: r³ (1/3 − r/4 + … − r^5/8).
#[inline(always)]
fn ln1p_rest(r: f64, r2: f64) -> f64 {
    let p = r.mul_add(-1.0 / 8.0, 1.0 / 7.0);
    let p = r.mul_add(p, -1.0 / 6.0);
    let p = r.mul_add(p, 1.0 / 5.0);
    let p = r.mul_add(p, -1.0 / 4.0);
    let p = r.mul_add(p, 1.0 / 3.0);
    r * r2 * p
}

/// ln(x) for one lane and whether it is unsettled (see [`unsettled`]).
#[cfg(test)]
fn ln_lane(x: f64) -> (f64, u64) {
    ln_finish(x, ln_entry(x))
}

/// `x` in the lanes the fast path takes, 1.5 in the others (0,
/// subnormals, inf, NaN, x < 0), and whether it is one of the first.
#[inline(always)]
fn ln_inside(x: f64) -> (u64, bool) {
    let ix = x.to_bits();
    let inside = ix.wrapping_sub(0x0010_0000_0000_0000) < 0x7fe0_0000_0000_0000;
    (if inside { ix } else { 1.5f64.to_bits() }, inside)
}

/// The table's entry for `x`: 1/c, ln c (hi, lo); near 1 (|x − 1| <
/// 2^-9), 1 and 0, so that r = x − 1 exactly and no term cancels. A
/// separate step from [`ln_finish`], whose arithmetic then vectorises
/// without gathers (which the compiler's cost model refuses).
#[cfg(test)]
fn ln_entry(x: f64) -> [f64; 3] {
    let i = ln_index(x) as usize;
    [LN_INVC[i], LN_LOGC_HI[i], LN_LOGC_LO[i]]
}

/// The index of `x`'s entry in the tables; near 1 (|x − 1| < 2^-9) that of
/// the entry 1, 0, 0 (`NEAR_ONE`).
#[inline(always)]
fn ln_index(x: f64) -> u64 {
    let i = (ln_inside(x).0.wrapping_sub(OFF) >> 45) & 127;
    if (x - 1.0).abs() < 1.0 / 512.0 {
        NEAR_ONE
    } else {
        i
    }
}

/// ln(x) from its table entry, and whether it is unsettled: x = 2^k z, z in
/// [0.6875, 1.375), ln x = k ln 2 + ln c + ln(1 + r), r = z/c − 1 (exact
/// as a double-double; |r| < 2^-8), ln c from the table as hi + lo.
#[inline(always)]
fn ln_finish(x: f64, [invc, chi, clo]: [f64; 3]) -> (f64, u64) {
    let (ix, inside) = ln_inside(x);
    let tmp = ix.wrapping_sub(OFF);
    // k = tmp >> 52 (arithmetic: the top 12 bits sign-extended, (u ^ 0x800)
    // − 0x800), as a double without an i64 conversion, which AVX2 lacks.
    let u = (tmp >> 52) ^ 0x800;
    let kd = f64::from_bits((SHIFT.to_bits() - 0x800).wrapping_add(u)) - SHIFT;
    let z = f64::from_bits(ix.wrapping_sub(tmp & (0xfff << 52)));
    let ph = z * invc;
    let pl = z.mul_add(invc, -ph);
    let (rh, rl) = two_sum(ph - 1.0, pl);
    let hh = rh * rh;
    let hl = rh.mul_add(rh, -hh);
    let (s1, e1) = two_sum(kd * LN2_HI, chi);
    let (s2, e2) = two_sum(s1, rh);
    let (s3, e3) = two_sum(s2, -0.5 * hh);
    let small = rl - 0.5 * hl - rh * rl + ln1p_rest(rh, hh);
    let tail = (e1 + e2 + e3) + (kd.mul_add(LN2_LO, clo) + small);
    let hi = s3 + tail;
    let lo = (s3 - hi) + tail;
    (hi, unsettled(hi, lo) | u64::from(!inside))
}

#[cfg(test)]
mod tests;
