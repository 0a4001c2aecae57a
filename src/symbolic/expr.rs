//! Formulas as a hash-consed DAG in an arena (README, "Formulas"): every
//! node is built once, bottom-up, from nodes already there, so an input's id
//! is always below its user's, a shared subformula is one node, and every
//! walk is a loop over ids or an explicit stack.
//!
//! The constructors keep nodes canonical, which is the simplifier:
//! - a sum is a map term → coefficient plus a constant (like terms
//!   collected, `a - a` = 0, `0 + a` = a);
//! - a product is a coefficient and a map base → numeric exponent (like
//!   factors collected, `x/x` = 1, `a^1` = a, `1*a` = a);
//! - numbers fold; a number times a sum is distributed (`-(a - b)` = `b - a`);
//! - a product with a sum among its factors is multiplied out when that is
//!   smaller (`(-y/ŷ + (1-y)/(1-ŷ))·ŷ(1-ŷ)` = `ŷ - y`), and kept otherwise.

use crate::ops::Op;
use rustc_hash::FxHashMap;
use std::ops::{Add, Mul, Neg};

pub type Id = u32;

/// A constant of a formula, exact (README, "Formulas: constants"): a
/// reduced fraction p/q (q > 0) wherever the value has one of modest size
/// (`7/10`, never `0.7000000000000001`; `1/3`), or a float where it has
/// none (`ln(2)` folded, an overflow). A number the user wrote is read by its
/// shortest decimal (0.7 is 7/10), so arithmetic on it leaves no residue.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum F {
    R(i64, i64),
    /// A float's bits (never one of the values an `R` holds).
    X(u64),
}

/// Beyond these a fraction becomes a float (and prints as one).
const MAX_DEN: i64 = 1_000_000_000_000;
const MAX_NUM: i64 = 1_000_000_000_000_000_000;

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.min(i64::MAX as u64) as i64
}

fn gcd_wide(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.min(i128::MAX as u128) as i128
}

impl F {
    pub const ZERO: F = F::R(0, 1);
    pub const ONE: F = F::R(1, 1);

    pub fn int(n: i64) -> F {
        F::R(n, 1)
    }

    /// p/q reduced, or a float when it is too large to keep exact.
    pub fn ratio(p: i64, q: i64) -> F {
        F::ratio_wide(i128::from(p), i128::from(q))
    }

    fn ratio_wide(p: i128, q: i128) -> F {
        if q == 0 {
            return F::float(p as f64 / 0.0);
        }
        let fits = |x: i128| i64::try_from(x).is_ok();
        let g = if fits(p) && fits(q) {
            i128::from(gcd(p as i64, q as i64))
        } else {
            gcd_wide(p, q)
        }
        .max(1);
        let (mut p, mut q) = (p / g, q / g);
        if q < 0 {
            p = -p;
            q = -q;
        }
        if q > i128::from(MAX_DEN) || p.abs() > i128::from(MAX_NUM) {
            return F::float(p as f64 / q as f64);
        }
        F::R(p as i64, q as i64)
    }

    fn float(x: f64) -> F {
        F::X(if x == 0.0 { 0 } else { x.to_bits() })
    }

    /// A float as a constant: exact when its shortest decimal has at most
    /// 12 significant digits (what a user writes, `0.7`, `2.5e4`, `1e-3`).
    pub fn new(x: f64) -> F {
        if x == 0.0 {
            return F::ZERO;
        }
        if !x.is_finite() {
            return F::float(x);
        }
        if x.fract() == 0.0 && x.abs() < 9.0e15 {
            return F::R(x as i64, 1);
        }
        let text = format!("{x:e}");
        let Some((mantissa, exponent)) = text.split_once('e') else {
            return F::float(x);
        };
        let Ok(exponent) = exponent.parse::<i32>() else {
            return F::float(x);
        };
        let negative = mantissa.starts_with('-');
        let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
        let decimals = digits.len() as i32 - 1 - exponent;
        if digits.len() > 12 || !(-24..=12).contains(&decimals) {
            return F::float(x);
        }
        let Ok(mut p) = digits.parse::<i64>() else {
            return F::float(x);
        };
        if negative {
            p = -p;
        }
        if decimals >= 0 {
            F::ratio_wide(i128::from(p), 10i128.pow(decimals as u32))
        } else {
            F::ratio_wide(i128::from(p) * 10i128.pow((-decimals) as u32), 1)
        }
    }

    pub fn get(self) -> f64 {
        match self {
            F::R(p, q) => p as f64 / q as f64,
            F::X(b) => f64::from_bits(b),
        }
    }

    pub fn is_exact(self) -> bool {
        matches!(self, F::R(..))
    }

    pub fn is_integer(self) -> bool {
        match self {
            F::R(_, q) => q == 1,
            F::X(b) => f64::from_bits(b).fract() == 0.0,
        }
    }

    pub fn signum(self) -> f64 {
        let x = self.get();
        if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            0.0
        }
    }

    pub fn abs(self) -> F {
        match self {
            F::R(p, q) => F::R(p.abs(), q),
            F::X(b) => F::float(f64::from_bits(b).abs()),
        }
    }

    fn plus(self, o: F) -> F {
        match (self, o) {
            (F::R(a, 1), F::R(c, 1)) => match a.checked_add(c) {
                Some(p) if p.abs() <= MAX_NUM => F::R(p, 1),
                _ => F::ratio_wide(i128::from(a) + i128::from(c), 1),
            },
            (F::R(a, b), F::R(c, d)) => {
                let (a, b, c, d) = (i128::from(a), i128::from(b), i128::from(c), i128::from(d));
                F::ratio_wide(a * d + c * b, b * d)
            }
            _ => F::new(self.get() + o.get()),
        }
    }

    fn product_of(self, o: F) -> F {
        match (self, o) {
            (F::R(a, 1), F::R(c, 1)) => match a.checked_mul(c) {
                Some(p) if p.abs() <= MAX_NUM => F::R(p, 1),
                _ => F::ratio_wide(i128::from(a) * i128::from(c), 1),
            },
            (F::R(a, b), F::R(c, d)) => {
                F::ratio_wide(i128::from(a) * i128::from(c), i128::from(b) * i128::from(d))
            }
            _ => F::new(self.get() * o.get()),
        }
    }

    fn negated(self) -> F {
        match self {
            F::R(p, q) => F::R(-p, q),
            F::X(b) => F::float(-f64::from_bits(b)),
        }
    }

    /// self^e: exact for an integer e on a fraction; `None` where not finite.
    pub fn pow(self, e: F) -> Option<F> {
        if let (F::R(p, q), F::R(n, 1)) = (self, e) {
            if n.abs() <= 128 {
                let (mut a, mut b) = if n >= 0 { (p, q) } else { (q, p) };
                if b == 0 {
                    return None;
                }
                let (mut rp, mut rq, mut k) = (1i64, 1i64, n.unsigned_abs());
                let mut ok = true;
                while k > 0 && ok {
                    if k & 1 == 1 {
                        match (rp.checked_mul(a), rq.checked_mul(b)) {
                            (Some(x), Some(y)) => (rp, rq) = (x, y),
                            _ => ok = false,
                        }
                    }
                    k >>= 1;
                    if k > 0 {
                        match (a.checked_mul(a), b.checked_mul(b)) {
                            (Some(x), Some(y)) => (a, b) = (x, y),
                            _ => ok = false,
                        }
                    }
                }
                if ok {
                    return Some(F::ratio(rp, rq));
                }
            }
        }
        let v = self.get().powf(e.get());
        v.is_finite().then(|| F::new(v))
    }

    /// Whether it prints as a decimal (an integer, a fraction with an exact
    /// decimal of at most 12 places: `0.5`, `1.25`, `0.0090999`, or a
    /// float), not as `p/q`.
    pub fn is_decimal(self) -> bool {
        match self {
            F::R(p, q) if q != 1 => {
                let mut r = q;
                let mut digits = 0;
                for f in [10, 2, 5] {
                    while r % f == 0 {
                        r /= f;
                        digits += 1;
                    }
                }
                r == 1 && digits <= 12 && p.abs() < 1_000_000_000_000
            }
            _ => true,
        }
    }

    /// The exact fraction, if this is one: (p, q).
    pub fn fraction(self) -> Option<(i64, i64)> {
        match self {
            F::R(p, q) => Some((p, q)),
            F::X(_) => None,
        }
    }
}

impl std::ops::Add for F {
    type Output = F;
    fn add(self, o: F) -> F {
        self.plus(o)
    }
}

impl std::ops::Mul for F {
    type Output = F;
    fn mul(self, o: F) -> F {
        self.product_of(o)
    }
}

impl std::ops::Neg for F {
    type Output = F;
    fn neg(self) -> F {
        self.negated()
    }
}

impl From<f64> for F {
    fn from(x: f64) -> F {
        F::new(x)
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Node {
    Num(F),
    /// A variable, a named step or a constant kept as a symbol (`pi`, `e`):
    /// `Exprs::names[i]`.
    Sym(u32),
    /// Σ coefficient·term + constant. Never a number, a sum, or a product
    /// with a coefficient other than 1 among the terms.
    Add(Box<[(Id, F)]>, F),
    /// coefficient · Π base^exponent. Never a product among the bases
    /// (unless raised to a fractional power); exponents ≠ 0.
    Mul(F, Box<[(Id, F)]>),
    /// A power whose exponent is not a number (`2^x`, `x^y`).
    Pow(Id, Id),
    Call(Op, Box<[Id]>),
}

/// Multiplying out stops beyond this many terms (it is tried, not forced).
const EXPAND_TERMS: usize = 48;

/// A common denominator is tried on sums of at most this many terms.
const DENOMINATOR_TERMS: usize = 6;

#[derive(Default)]
pub struct Exprs {
    nodes: Vec<Node>,
    /// Each node's id, found by its hash (`hashes`): a node is kept once.
    ids: hashbrown::HashTable<Id>,
    hashes: Vec<u64>,
    /// The printed size of each node as a tree (operators and calls), an
    /// estimate used to choose the smaller of two equal forms.
    sizes: Vec<u64>,
    /// The first variable or step (by order of appearance) a node names:
    /// the order of a sum's terms and a product's factors in print
    /// (`w*x + b`, `2*y*z^3`).
    ranks: Vec<u32>,
    /// A fingerprint of each node's structure (names, numbers, operators;
    /// never ids): the order of terms of equal rank is the same in every
    /// arena, so one formula prints one way wherever it is built.
    prints: Vec<u64>,
    /// Whether a node calls a function somewhere inside.
    calls: Vec<bool>,
    /// Each node's [`Exprs::class`].
    classes: Vec<u8>,
    names: Vec<String>,
    symbols: FxHashMap<String, Id>,
    /// The symbols that are constants (`pi`, `e`), not variables.
    constants: Vec<Id>,
    /// How deep the optional rewrites (factoring, multiplying out, joining
    /// powers) have nested: beyond [`MAX_REWRITE_DEPTH`] they are skipped,
    /// so two rewrites that undo each other cannot recurse without end.
    rewrites: u32,
}

const MAX_REWRITE_DEPTH: u32 = 12;

/// A common denominator is tried only this near the top of the rewrites.
const DENOMINATOR_DEPTH: u32 = 1;

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn mix_number(f: F) -> u64 {
    match f {
        F::R(p, q) => mix(mix(p as u64) ^ q as u64),
        F::X(b) => mix(b ^ 0x5555),
    }
}

fn mix_text(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

impl Exprs {
    pub fn new() -> Self {
        Self::default()
    }

    /// An arena whose symbols are first these names, in this order (the
    /// order of another arena: a Hessian's formulas order their operands
    /// as the gradient's do).
    pub fn with_names(names: &[String], constants: &[String]) -> Self {
        let mut ex = Self::default();
        for n in names {
            if constants.contains(n) {
                ex.constant_sym(n);
            } else {
                ex.sym(n);
            }
        }
        ex
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The names of the constants kept as symbols.
    pub fn constant_names(&self) -> Vec<String> {
        self.constants
            .iter()
            .filter_map(|&c| match self.node(c) {
                Node::Sym(i) => Some(self.names[*i as usize].clone()),
                _ => None,
            })
            .collect()
    }

    pub fn node(&self, id: Id) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn name(&self, sym: u32) -> &str {
        &self.names[sym as usize]
    }

    pub fn size(&self, id: Id) -> u64 {
        self.sizes[id as usize]
    }

    /// The number, if `id` is one.
    pub fn number(&self, id: Id) -> Option<f64> {
        match self.node(id) {
            Node::Num(v) => Some(v.get()),
            _ => None,
        }
    }

    fn exact(&self, id: Id) -> Option<F> {
        match self.node(id) {
            Node::Num(v) => Some(*v),
            _ => None,
        }
    }

    fn is_e(&self, id: Id) -> bool {
        self.constants.contains(&id)
            && matches!(self.node(id), Node::Sym(i) if self.names[*i as usize] == "e")
    }

    fn intern(&mut self, node: Node) -> Id {
        let hash = {
            use std::hash::BuildHasher;
            rustc_hash::FxBuildHasher.hash_one(&node)
        };
        let nodes = &self.nodes;
        if let Some(&id) = self.ids.find(hash, |&id| nodes[id as usize] == node) {
            return id;
        }
        let size = self.measure(&node);
        let rank = match &node {
            Node::Sym(i) => *i,
            _ => kids(&node)
                .map(|c| self.ranks[c as usize])
                .min()
                .unwrap_or(u32::MAX),
        };
        let p = |id: &Id| self.prints[*id as usize];
        let print = match &node {
            Node::Num(v) => mix_number(*v),
            Node::Sym(i) => mix_text(&self.names[*i as usize]),
            Node::Add(ts, k) => ts.iter().fold(mix(1 ^ mix_number(*k)), |h, (t, c)| {
                h.wrapping_add(mix(p(t) ^ mix_number(*c)))
            }),
            Node::Mul(k, fs) => fs.iter().fold(mix(2 ^ mix_number(*k)), |h, (b, e)| {
                h.wrapping_add(mix(p(b) ^ mix_number(*e).rotate_left(7)))
            }),
            Node::Pow(a, b) => mix(mix(3 ^ p(a)) ^ p(b).rotate_left(13)),
            Node::Call(op, args) => args
                .iter()
                .fold(mix(4 ^ (*op as u64) << 8), |h, a| mix(h ^ p(a))),
        };
        let calls = matches!(node, Node::Call(..)) || kids(&node).any(|c| self.calls[c as usize]);
        self.calls.push(calls);
        let class = self.class_of(&node, calls);
        self.classes.push(class);
        self.ranks.push(rank);
        self.prints.push(print);
        let id = self.nodes.len() as Id;
        self.nodes.push(node);
        self.sizes.push(size);
        self.hashes.push(hash);
        let hashes = &self.hashes;
        self.ids.insert_unique(hash, id, |&id| hashes[id as usize]);
        id
    }

    fn measure(&self, node: &Node) -> u64 {
        let s = |id: Id| self.sizes[id as usize];
        // A fraction's own `/`, and its numerator's `*` in a product.
        let fraction = |c: F| match c {
            F::R(p, q) if q != 1 && !c.is_decimal() => 1 + u64::from(p.abs() != 1),
            _ => 0,
        };
        match node {
            Node::Num(v) => u64::from(v.get() < 0.0) + u64::from(fraction(*v) > 0),
            Node::Sym(_) => 0,
            Node::Call(_, args) => args.iter().fold(1, |a, &x| a.saturating_add(s(x))),
            Node::Pow(a, b) => 1u64.saturating_add(s(*a)).saturating_add(s(*b)),
            Node::Add(terms, k) => {
                let n = terms.len() as u64 + u64::from(k.get() != 0.0);
                terms
                    .iter()
                    .fold(n - 1 + fraction(*k).min(1), |acc, &(t, c)| {
                        acc.saturating_add(s(t))
                            .saturating_add(u64::from(c.abs() != F::ONE))
                            .saturating_add(fraction(c))
                    })
            }
            Node::Mul(c, factors) => {
                let base = factors.len() as u64 - 1
                    + u64::from(c.abs() != F::ONE)
                    + fraction(*c)
                    + u64::from(c.get() < 0.0)
                    + u64::from(factors.iter().all(|f| f.1.get() < 0.0));
                factors.iter().fold(base, |acc, &(f, e)| {
                    acc.saturating_add(s(f))
                        .saturating_add(u64::from(e.abs() != F::ONE))
                        .saturating_add(fraction(e).min(1))
                })
            }
        }
    }

    pub fn num(&mut self, x: f64) -> Id {
        self.numq(F::new(x))
    }

    pub fn numq(&mut self, x: F) -> Id {
        self.intern(Node::Num(x))
    }

    pub fn sym(&mut self, name: &str) -> Id {
        if let Some(&id) = self.symbols.get(name) {
            return id;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        let id = self.intern(Node::Sym(i));
        self.symbols.insert(name.to_string(), id);
        id
    }

    /// A constant kept as a symbol (`pi`, `e`): it ranks after every
    /// variable and prints first among the factors (`2*pi*x`).
    fn constant_sym(&mut self, name: &str) -> Id {
        let id = self.sym(name);
        if !self.constants.contains(&id) {
            self.constants.push(id);
            self.ranks[id as usize] = u32::MAX - 1;
            self.classes[id as usize] = 0;
        }
        id
    }

    /// A constant of the program: `pi`, `π` and `e` as symbols, a fraction
    /// written `1/3` exactly, any other number by its value.
    pub fn constant(&mut self, text: Option<&str>, value: f64) -> Id {
        match text.map(str::trim) {
            Some(name @ ("pi" | "π" | "e")) => self.constant_sym(name),
            Some(t) => {
                let exact = t.split_once('/').and_then(|(p, q)| {
                    Some(F::ratio(p.trim().parse().ok()?, q.trim().parse().ok()?))
                });
                match exact {
                    Some(f) if f.get() == value => self.numq(f),
                    _ => self.num(value),
                }
            }
            None => self.num(value),
        }
    }

    /// `c · t`; a sum is distributed.
    pub fn scale(&mut self, t: Id, c: f64) -> Id {
        self.scale_q(t, F::new(c))
    }

    pub fn scale_q(&mut self, t: Id, c: F) -> Id {
        if c == F::ONE {
            return t;
        }
        match self.node(t).clone() {
            Node::Num(v) => self.numq(c.mul(v)),
            Node::Add(..) => self.add_q(&[(t, c)]),
            Node::Mul(k, factors) => self.product(c.mul(k), factors.to_vec()),
            _ if c == F::ZERO => self.numq(F::ZERO),
            _ => self.intern(Node::Mul(c, Box::new([(t, F::ONE)]))),
        }
    }

    /// Σ cᵢ·tᵢ, canonical.
    pub fn add(&mut self, items: &[(Id, f64)]) -> Id {
        let items: Vec<(Id, F)> = items.iter().map(|&(t, c)| (t, F::new(c))).collect();
        self.add_q(&items)
    }

    pub fn add_q(&mut self, items: &[(Id, F)]) -> Id {
        let mut constant = F::ZERO;
        let mut terms: Vec<(Id, F)> = Vec::with_capacity(items.len());
        let mut work: Vec<(Id, F)> = items.iter().rev().copied().collect();
        while let Some((t, c)) = work.pop() {
            match self.node(t) {
                Node::Num(v) => constant = constant.add(c.mul(*v)),
                Node::Add(ts, k) => {
                    constant = constant.add(c.mul(*k));
                    work.extend(ts.iter().rev().map(|&(u, d)| (u, d.mul(c))));
                }
                Node::Mul(k, fs) if *k != F::ONE => {
                    let (k, fs) = (*k, fs.clone());
                    let unit = self.product(F::ONE, fs.to_vec());
                    work.push((unit, c.mul(k)));
                }
                _ => terms.push((t, c)),
            }
        }
        terms.sort_by_key(|&(t, _)| t);
        let mut merged: Vec<(Id, F)> = Vec::with_capacity(terms.len());
        let mut i = 0;
        while i < terms.len() {
            let t = terms[i].0;
            let mut c = F::ZERO;
            while i < terms.len() && terms[i].0 == t {
                c = c.add(terms[i].1);
                i += 1;
            }
            if c != F::ZERO {
                merged.push((t, c));
            }
        }
        match merged.len() {
            0 => self.numq(constant),
            1 if constant == F::ZERO => {
                let (t, c) = merged[0];
                self.scale_q(t, c)
            }
            _ => {
                let sum = self.intern(Node::Add(merged.clone().into(), constant));
                if self.rewrites >= MAX_REWRITE_DEPTH {
                    return sum;
                }
                let mut best = sum;
                self.rewrites += 1;
                // A numeric factor of every term in front: `2*(w*x - y)`,
                // kept at equal size for an integer (the lecture's form).
                if let Some(g) = self.content(&merged, constant) {
                    // With a constant term, an integer is left in (`sqrt(2 + 2*x)`,
                    // not `sqrt(2*(1 + x))`), a fraction taken out (`0.7*(1 - t^2)`).
                    let tie_ok = constant == F::ZERO || g.1 != 1;
                    let inner: Vec<(Id, F)> = merged
                        .iter()
                        .map(|&(t, c)| (t, c.mul(F::ratio(g.1, g.0))))
                        .collect();
                    let mut inner_sum = inner.clone();
                    let k = constant.mul(F::ratio(g.1, g.0));
                    if k != F::ZERO {
                        let one = self.numq(F::ONE);
                        inner_sum.push((one, k));
                    }
                    let inner = self.add_q(&inner_sum);
                    let g = F::ratio(g.0, g.1);
                    let factored = match self.node(inner) {
                        Node::Add(..) => self.intern(Node::Mul(g, Box::new([(inner, F::ONE)]))),
                        _ => {
                            let (k, fs) = self.factors_of(inner);
                            self.product(k.mul(g), fs)
                        }
                    };
                    if self.size(factored) < self.size(best)
                        || (tie_ok && self.size(factored) == self.size(best))
                    {
                        best = factored;
                    }
                }
                if constant == F::ZERO {
                    let common = self.common_factors(&merged);
                    if !common.is_empty() {
                        let factored = self.factor_out(&merged, common);
                        if self.size(factored) <= self.size(best) {
                            best = factored;
                        }
                    }
                }
                if self.rewrites <= DENOMINATOR_DEPTH && merged.len() <= DENOMINATOR_TERMS {
                    if let Some(joined) = self.common_denominator(&merged, constant) {
                        if self.size(joined) < self.size(best) {
                            best = joined;
                        }
                    }
                }
                self.rewrites -= 1;
                best
            }
        }
    }

    /// The positive content p/q of a sum's exact coefficients (gcd of the
    /// numerators over lcm of the denominators), if not 1.
    fn content(&self, terms: &[(Id, F)], constant: F) -> Option<(i64, i64)> {
        let mut g = 0i64;
        let mut l = 1i64;
        let all = terms
            .iter()
            .map(|t| t.1)
            .chain((constant != F::ZERO).then_some(constant));
        for c in all {
            let (p, q) = c.fraction()?;
            g = gcd(g, p);
            l = l.checked_mul(q / gcd(l, q))?;
            if l > MAX_DEN {
                return None;
            }
        }
        if g <= 0 || (g, l) == (1, 1) {
            return None;
        }
        // A fraction comes out only where the terms keep small integers
        // (`0.7*(1 - t^2)`, `(1 + x)/3`), never `(10000120*a + …)/1000000`.
        if l != 1 {
            let small = terms
                .iter()
                .map(|t| t.1)
                .chain((constant != F::ZERO).then_some(constant))
                .all(|c| {
                    c.fraction()
                        .is_some_and(|(p, q)| (p / g).abs() * (l / q) <= 100)
                });
            if !small {
                return None;
            }
        }
        Some((g, l))
    }

    /// The sum over one denominator (`1 - 2*x^2/(1 + x^2)` is
    /// `(1 - x^2)/(1 + x^2)`), if it has fractions.
    fn common_denominator(&mut self, terms: &[(Id, F)], constant: F) -> Option<Id> {
        let mut denominator: Vec<(Id, F)> = Vec::new();
        for &(t, _) in terms {
            let (_, fs) = self.factors_of(t);
            for (b, e) in fs {
                if e.get() >= 0.0 || !e.is_integer() {
                    continue;
                }
                let e = e.neg();
                match denominator.iter_mut().find(|d| d.0 == b) {
                    Some(d) if d.1.get() < e.get() => d.1 = e,
                    Some(_) => {}
                    None => denominator.push((b, e)),
                }
            }
        }
        if denominator.is_empty() {
            return None;
        }
        let mut items: Vec<(Id, F)> = Vec::with_capacity(terms.len() + 1);
        let one = self.numq(F::ONE);
        let all: Vec<(Id, F)> = terms
            .iter()
            .copied()
            .chain((constant != F::ZERO).then_some((one, constant)))
            .collect();
        for (t, c) in all {
            let (k, mut fs) = self.factors_of(t);
            fs.extend(denominator.iter().copied());
            let p = self.product(k.mul(c), fs);
            let p = self.expand(p).unwrap_or(p);
            items.push((p, F::ONE));
        }
        let numerator = self.add_q(&items);
        let mut fs = vec![(numerator, F::ONE)];
        fs.extend(denominator.iter().map(|&(b, e)| (b, e.neg())));
        Some(self.product(F::ONE, fs))
    }

    /// The factors every term of a sum has (`x` in `x*yhat - x*y`), each
    /// with the exponent nearest 0 among the terms, of one sign.
    fn common_factors(&self, terms: &[(Id, F)]) -> Vec<(Id, F)> {
        let (_, mut common) = self.factors_of(terms[0].0);
        for &(t, _) in &terms[1..] {
            if common.is_empty() {
                break;
            }
            let (_, fs) = self.factors_of(t);
            common.retain_mut(|(b, e)| match fs.iter().find(|f| f.0 == *b) {
                Some(&(_, d)) if d.signum() == e.signum() => {
                    if d.get().abs() < e.get().abs() {
                        *e = d;
                    }
                    true
                }
                _ => false,
            });
        }
        common
    }

    /// `common · Σ cᵢ·(tᵢ / common)`.
    fn factor_out(&mut self, terms: &[(Id, F)], common: Vec<(Id, F)>) -> Id {
        let mut inner = Vec::with_capacity(terms.len());
        for &(t, c) in terms {
            let (k, mut fs) = self.factors_of(t);
            for &(b, e) in &common {
                fs.push((b, e.neg()));
            }
            inner.push((self.product(k, fs), c));
        }
        let inner = self.add_q(&inner);
        let mut items = common;
        items.push((inner, F::ONE));
        self.product(F::ONE, items)
    }

    /// `a - b` as one subtraction, its operands kept whole: a kink's test
    /// (`sign(max(a, b + 1) - (b + 1))`) must be exactly 0 at a tie, which
    /// reassociating the sum would break.
    pub fn exact_difference(&mut self, a: Id, b: Id) -> Id {
        if a == b {
            return self.numq(F::ZERO);
        }
        if let (Some(x), Some(y)) = (self.exact(a), self.exact(b)) {
            return self.numq(x.add(y.neg()));
        }
        let (one, minus) = (F::ONE, F::int(-1));
        self.intern(Node::Add(Box::new([(a, one), (b, minus)]), F::ZERO))
    }

    /// Π bᵢ^eᵢ (numeric exponents), canonical, multiplied out when smaller.
    pub fn mul(&mut self, items: &[(Id, f64)]) -> Id {
        let items: Vec<(Id, F)> = items.iter().map(|&(t, e)| (t, F::new(e))).collect();
        let id = self.product(F::ONE, items);
        self.expand_if_smaller(id)
    }

    /// `a · b`.
    pub fn times(&mut self, a: Id, b: Id) -> Id {
        self.mul(&[(a, 1.0), (b, 1.0)])
    }

    /// `1 + exp(v)`: the argument v.
    fn one_plus_exp(&self, t: Id) -> Option<Id> {
        match self.node(t) {
            Node::Add(ts, k) if *k == F::ONE && ts.len() == 1 && ts[0].1 == F::ONE => {
                match self.node(ts[0].0) {
                    Node::Call(Op::Exp, args) => Some(args[0]),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `exp(u) + exp(v)`: the arguments u, v.
    fn two_exps(&self, t: Id) -> Option<(Id, Id)> {
        let Node::Add(ts, k) = self.node(t) else {
            return None;
        };
        if *k != F::ZERO || ts.len() != 2 || ts.iter().any(|x| x.1 != F::ONE) {
            return None;
        }
        match (self.node(ts[0].0), self.node(ts[1].0)) {
            (Node::Call(Op::Exp, a), Node::Call(Op::Exp, b)) => Some((a[0], b[0])),
            _ => None,
        }
    }

    /// The product of `coeff` and `merged` with its items `i` and `j`
    /// replaced by `new` (two factors that became one).
    fn product_replacing(
        &mut self,
        coeff: F,
        merged: &[(Id, F)],
        pair: (usize, usize),
        new: Id,
    ) -> Id {
        let mut items = without_pair(merged, pair);
        items.push((new, F::ONE));
        self.product(coeff, items)
    }

    /// The canonical product, never multiplied out.
    fn product(&mut self, coeff: F, items: Vec<(Id, F)>) -> Id {
        let mut coeff = coeff;
        let mut factors: Vec<(Id, F)> = Vec::with_capacity(items.len());
        let mut work = items;
        work.reverse();
        while let Some((t, e)) = work.pop() {
            match self.node(t) {
                Node::Num(v) => match v.pow(e) {
                    Some(p) if p.is_exact() || !v.is_exact() => coeff = coeff.mul(p),
                    _ => factors.push((t, e)),
                },
                Node::Mul(k, fs) if e.is_integer() => {
                    let Some(p) = k.pow(e) else {
                        factors.push((t, e));
                        continue;
                    };
                    coeff = coeff.mul(p);
                    work.extend(fs.iter().rev().map(|&(b, d)| (b, d.mul(e))));
                }
                // (c·u)^e = c^e·u^e for c > 0, whatever the sign of u (when
                // c^e is exact: `(2*x)^0.5` keeps its 2 inside).
                Node::Mul(k, fs)
                    if k.get() > 0.0
                        && *k != F::ONE
                        && k.pow(e).is_some_and(|p| p.is_exact() || !k.is_exact()) =>
                {
                    let (k, fs) = (*k, fs.clone());
                    coeff = coeff.mul(k.pow(e).unwrap_or(F::ONE));
                    let unit = self.product(F::ONE, fs.to_vec());
                    factors.push((unit, e));
                }
                // exp(u)^k = exp(k·u) (k > 0: a quotient by exp(u) must still
                // cancel it, see `factor_out`).
                Node::Call(Op::Exp, args) if e.get() > 0.0 && e != F::ONE => {
                    let u = args[0];
                    let ku = self.scale_q(u, e);
                    work.push((self.call(Op::Exp, &[ku]), F::ONE));
                }
                // sqrt(u)^(2k) = u^k wherever sqrt(u) is defined.
                Node::Call(Op::Sqrt, args)
                    if e.is_integer() && e.fraction().is_some_and(|(p, _)| p % 2 == 0) =>
                {
                    let u = args[0];
                    work.push((u, e.mul(F::ratio(1, 2))));
                }
                // (b^p)^n = b^(n·p) for an integer n > 1 (not below: `1/w^x` prints
                // smaller than `w^(-x)`): equal wherever the
                // left side is defined (`(λ^β)^2` is `λ^(2*β)`).
                Node::Pow(b, p)
                    if e.is_integer() && e.get() > 1.0 && self.rewrites < MAX_REWRITE_DEPTH =>
                {
                    let (b, p) = (*b, *p);
                    self.rewrites += 1;
                    let np = self.scale_q(p, e);
                    let power = self.pow(b, np);
                    self.rewrites -= 1;
                    work.push((power, F::ONE));
                }
                // 1/(1 + exp(-u)) is σ(u) (README, "Formulas").
                Node::Add(..) if e.get() < 0.0 && self.one_plus_exp(t).is_some() => {
                    let v = self.one_plus_exp(t).unwrap_or(t);
                    let u = self.scale_q(v, F::int(-1));
                    let s = self.call(Op::Sigmoid, &[u]);
                    factors.push((s, e.neg()));
                }
                // A sum that prints with a leading minus is negated under
                // an integer power: (-a - b)^2 = (a + b)^2.
                Node::Add(..) if e.is_integer() && self.is_negative_sum(t) => {
                    let positive = self.scale_q(t, F::int(-1));
                    if e.fraction().is_some_and(|(p, _)| p % 2 != 0) {
                        coeff = coeff.neg();
                    }
                    factors.push((positive, e));
                }
                _ => factors.push((t, e)),
            }
        }
        if coeff == F::ZERO {
            return self.numq(F::ZERO);
        }
        factors.sort_by_key(|&(b, _)| b);
        let mut merged: Vec<(Id, F)> = Vec::with_capacity(factors.len());
        let mut i = 0;
        while i < factors.len() {
            let b = factors[i].0;
            let mut e = F::ZERO;
            while i < factors.len() && factors[i].0 == b {
                e = e.add(factors[i].1);
                i += 1;
            }
            if e != F::ZERO {
                merged.push((b, e));
            }
        }
        // exp(-u)·σ(u) = 1 - σ(u): the gradient of 1/(1 + exp(-u)) reads
        // σ(u)*(1 - σ(u)).
        if self.rewrites < MAX_REWRITE_DEPTH {
            let found = merged.iter().enumerate().find_map(|(i, &(s, k))| {
                let Node::Call(Op::Sigmoid, args) = self.node(s) else {
                    return None;
                };
                if !(k.is_integer() && k.get() >= 1.0) {
                    return None;
                }
                let u = args[0];
                merged
                    .iter()
                    .enumerate()
                    .find_map(|(j, &(x, m))| match self.node(x) {
                        Node::Call(Op::Exp, w) if m == F::ONE => Some((i, j, s, k, u, w[0])),
                        _ => None,
                    })
            });
            if let Some((i, j, s, k, u, w)) = found {
                self.rewrites += 1;
                let minus_u = self.scale_q(u, F::int(-1));
                if minus_u == w {
                    // exp(-u)·σ(u) is also σ(-u): that form where -u is the
                    // plainer argument (`exp(x)/(1 + exp(x))` is σ(x)).
                    let rest = if self.is_negative(u) {
                        self.call(Op::Sigmoid, &[minus_u])
                    } else {
                        let one = self.numq(F::ONE);
                        self.add_q(&[(one, F::ONE), (s, F::int(-1))])
                    };
                    let mut items = without_pair(&merged, (i, j));
                    items.push((s, k.add(F::int(-1))));
                    items.push((rest, F::ONE));
                    let out = self.product(coeff, items);
                    self.rewrites -= 1;
                    return out;
                }
                self.rewrites -= 1;
            }
        }
        // exp(u)/(exp(u) + exp(v)) = σ(u - v): the softmax of two classes.
        if self.rewrites < MAX_REWRITE_DEPTH {
            let found = merged.iter().enumerate().find_map(|(i, &(d, k))| {
                if k != F::int(-1) {
                    return None;
                }
                let (u, v) = self.two_exps(d)?;
                merged.iter().enumerate().find_map(|(j, &(x, m))| {
                    let Node::Call(Op::Exp, a) = self.node(x) else {
                        return None;
                    };
                    if m != F::ONE {
                        return None;
                    }
                    if a[0] == u {
                        Some((i, j, u, v))
                    } else if a[0] == v {
                        Some((i, j, v, u))
                    } else {
                        None
                    }
                })
            });
            if let Some((i, j, u, v)) = found {
                self.rewrites += 1;
                let arg = self.add_q(&[(u, F::ONE), (v, F::int(-1))]);
                let s = self.call(Op::Sigmoid, &[arg]);
                let out = self.product_replacing(coeff, &merged, (i, j), s);
                self.rewrites -= 1;
                return out;
            }
        }
        // exp(u)·exp(v) = exp(u + v) (after the σ forms above had their
        // chance at each exp).
        if self.rewrites < MAX_REWRITE_DEPTH {
            let exps: Vec<(usize, Id)> = merged
                .iter()
                .enumerate()
                .filter_map(|(i, &(x, m))| match self.node(x) {
                    Node::Call(Op::Exp, a) if m == F::ONE => Some((i, a[0])),
                    _ => None,
                })
                .take(2)
                .collect();
            if let [(i, u), (j, v)] = exps[..] {
                self.rewrites += 1;
                let sum = self.add_q(&[(u, F::ONE), (v, F::ONE)]);
                let joined = self.call(Op::Exp, &[sum]);
                let out = self.product_replacing(coeff, &merged, (i, j), joined);
                self.rewrites -= 1;
                return out;
            }
        }
        // b^e · b^k = b^(e + k): `z*z^(z*λ - 1)` is `z^(z*λ)`, and
        // `λ^(2*β)*λ^(β - 1)` is `λ^(3*β - 1)` (an integer power of the
        // second: `0.5^(2*x1)/0.5^x1` is `0.5^x1`).
        let joined = merged
            .iter()
            .enumerate()
            .find_map(|(i, &(p, one))| match self.node(p) {
                Node::Pow(b, e) if one == F::ONE => {
                    merged
                        .iter()
                        .enumerate()
                        .find_map(|(j, f)| match self.node(f.0) {
                            _ if f.0 == *b => Some((i, j, *b, *e, None, f.1)),
                            Node::Pow(c, k) if j != i && c == b && f.1.is_integer() => {
                                Some((i, j, *b, *e, Some(*k), f.1))
                            }
                            _ => None,
                        })
                }
                _ => None,
            });
        if let Some((i, j, b, e, kp, k)) = joined.filter(|_| self.rewrites < MAX_REWRITE_DEPTH) {
            self.rewrites += 1;
            let (k, m) = match kp {
                Some(kp) => (kp, k),
                None => (self.numq(k), F::ONE),
            };
            let exponent = self.add_q(&[(e, F::ONE), (k, m)]);
            let power = self.pow(b, exponent);
            let joined = self.product_replacing(coeff, &merged, (i, j), power);
            self.rewrites -= 1;
            return joined;
        }
        match merged.len() {
            0 => self.numq(coeff),
            1 if merged[0].1 == F::ONE => self.scale_q(merged[0].0, coeff),
            _ => self.intern(Node::Mul(coeff, merged.into())),
        }
    }

    /// `a ^ b`.
    pub fn pow(&mut self, a: Id, b: Id) -> Id {
        if self.is_e(a) {
            return self.call(Op::Exp, &[b]);
        }
        match (self.exact(a), self.exact(b)) {
            (_, Some(e)) => {
                let id = self.product(F::ONE, vec![(a, e)]);
                self.expand_if_smaller(id)
            }
            (Some(F::R(1, 1)), _) => a,
            _ => self.intern(Node::Pow(a, b)),
        }
    }

    /// Whether a sum's terms are all negative (it prints as `-a - b`).
    pub fn is_negative_sum(&self, t: Id) -> bool {
        match self.node(t) {
            Node::Add(terms, k) => k.get() <= 0.0 && terms.iter().all(|x| x.1.get() < 0.0),
            _ => false,
        }
    }

    /// Whether a formula prints with a leading minus.
    fn is_negative(&self, t: Id) -> bool {
        match self.node(t) {
            Node::Mul(k, _) => k.get() < 0.0,
            _ => self.is_negative_sum(t),
        }
    }

    /// A function call; numbers fold where the value is finite, and a
    /// negated argument leaves an even or odd function (`cos(-k)` =
    /// `cos(k)`, `sin(-k)` = `-sin(k)`, exactly in floating point too).
    pub fn call(&mut self, op: Op, args: &[Id]) -> Id {
        let even = matches!(op, Op::Cos | Op::Cosh);
        let odd = matches!(
            op,
            Op::Sin | Op::Tan | Op::Asin | Op::Atan | Op::Sinh | Op::Tanh
        );
        if (even || odd) && self.is_negative(args[0]) {
            let positive = self.scale_q(args[0], F::int(-1));
            let f = self.call_plain(op, &[positive]);
            return if even { f } else { self.scale_q(f, F::int(-1)) };
        }
        if op == Op::Ln && self.is_e(args[0]) {
            return self.numq(F::ONE);
        }
        self.call_plain(op, args)
    }

    fn call_plain(&mut self, op: Op, args: &[Id]) -> Id {
        let values: Option<Vec<f64>> = args.iter().map(|&a| self.number(a)).collect();
        // Folded only where the value is exact: `ln(1)` is 0, `sqrt(4)` is
        // 2, but `ln(2)` stays `ln(2)`, as a lecturer writes it.
        if let Some(values) = values {
            let v = op.forward(&values);
            if v.is_finite() && F::new(v).is_exact() {
                return self.num(v);
            }
        }
        self.intern(Node::Call(op, args.into()))
    }

    /// The node of a graph operation on these inputs.
    pub fn apply(&mut self, op: Op, a: &[Id]) -> Id {
        match op {
            Op::Add => self.add_q(&[(a[0], F::ONE), (a[1], F::ONE)]),
            Op::Sub => self.add_q(&[(a[0], F::ONE), (a[1], F::int(-1))]),
            Op::Mul => self.mul(&[(a[0], 1.0), (a[1], 1.0)]),
            Op::Div => self.mul(&[(a[0], 1.0), (a[1], -1.0)]),
            Op::Pow => self.pow(a[0], a[1]),
            Op::Neg => self.scale_q(a[0], F::int(-1)),
            Op::Id => a[0],
            _ => self.call(op, a),
        }
    }

    /// A product as its coefficient and factors.
    fn factors_of(&self, id: Id) -> (F, Vec<(Id, F)>) {
        match self.node(id) {
            Node::Num(v) => (*v, Vec::new()),
            Node::Mul(c, fs) => (*c, fs.to_vec()),
            _ => (F::ONE, vec![(id, F::ONE)]),
        }
    }

    /// The product multiplied out over its sums, if that is smaller.
    fn expand_if_smaller(&mut self, id: Id) -> Id {
        let Node::Mul(_, fs) = self.node(id) else {
            return id;
        };
        let has_sum = fs
            .iter()
            .any(|&(b, e)| matches!(self.node(b), Node::Add(..)) && is_small_power(e));
        if !has_sum || self.rewrites >= MAX_REWRITE_DEPTH {
            return id;
        }
        self.rewrites += 1;
        let expanded = self.expand(id);
        self.rewrites -= 1;
        match expanded {
            Some(e) if self.size(e) < self.size(id) => e,
            _ => id,
        }
    }

    /// Multiplies out a product over the sums among its factors (a sum
    /// with fractions first, whose terms may then cancel), a term at a time
    /// with an explicit work list; `None` beyond [`EXPAND_TERMS`].
    fn expand(&mut self, id: Id) -> Option<Id> {
        let mut work = vec![self.factors_of(id)];
        let mut done: Vec<(Id, F)> = Vec::new();
        let mut steps = 0;
        while let Some((coeff, mut fs)) = work.pop() {
            steps += 1;
            if steps > 4 * EXPAND_TERMS || done.len() + work.len() > EXPAND_TERMS {
                return None;
            }
            let pick = fs
                .iter()
                .enumerate()
                .filter(|(_, &(b, e))| matches!(self.node(b), Node::Add(..)) && is_small_power(e))
                .max_by_key(|(_, &(b, _))| (self.has_fraction(b), self.prints[b as usize], b))
                .map(|(i, _)| i);
            let Some(i) = pick else {
                done.push((self.product(coeff, fs), F::ONE));
                continue;
            };
            let (sum, e) = fs[i];
            if e == F::ONE {
                fs.remove(i);
            } else {
                fs[i].1 = e.add(F::int(-1));
            }
            let Node::Add(terms, k) = self.node(sum).clone() else {
                continue;
            };
            let mut parts: Vec<(Id, F)> = terms.to_vec();
            if k != F::ZERO {
                let one = self.numq(F::ONE);
                parts.push((one, k));
            }
            for (t, c) in parts {
                let mut items = fs.clone();
                items.push((t, F::ONE));
                let p = self.product(coeff.mul(c), items);
                work.push(self.factors_of(p));
            }
        }
        Some(self.add_q(&done))
    }

    /// Whether a sum has a term with a denominator.
    fn has_fraction(&self, sum: Id) -> bool {
        let Node::Add(terms, _) = self.node(sum) else {
            return false;
        };
        terms.iter().any(|&(t, _)| match self.node(t) {
            Node::Mul(_, fs) => fs.iter().any(|f| f.1.get() < 0.0),
            _ => false,
        })
    }

    /// Replaces the nodes in `subst` (node → formula) everywhere in
    /// `roots`, rebuilding bottom-up (ids in increasing order: inputs
    /// first), once for all of them (formulas share their parts); each of
    /// `products` (a product → a symbol) also replaces its factors inside a
    /// larger product (`e1*(1 - p1)/s` with `p1 = e1/s` is `p1*(1 - p1)`).
    /// Nothing is rebuilt when no root holds a target.
    pub fn substitute(
        &mut self,
        roots: &mut [Id],
        subst: &FxHashMap<Id, Id>,
        products: &[(Id, Id)],
    ) {
        let reached = self.reachable(roots);
        let seen: rustc_hash::FxHashSet<Id> = reached.iter().copied().collect();
        let factors_seen = |def: Id| match self.node(def) {
            Node::Mul(_, fs) => fs.iter().all(|(b, _)| seen.contains(b)),
            _ => false,
        };
        let whole = reached.iter().any(|id| subst.contains_key(id));
        if !whole && !products.iter().any(|&(def, _)| factors_seen(def)) {
            return;
        }
        // The products by their first factor: a product node looks up only
        // those that can be inside it (a program may have thousands).
        let mut by_first: FxHashMap<(Id, F), Vec<(Id, Id)>> = FxHashMap::default();
        for &(def, sym) in products {
            if let Node::Mul(_, part) = self.node(def) {
                if let Some(&first) = part.first() {
                    by_first.entry(first).or_default().push((def, sym));
                }
            }
        }
        let candidates = |fs: &[(Id, F)]| -> Vec<(Id, Id)> {
            fs.iter()
                .filter_map(|f| by_first.get(f))
                .flatten()
                .copied()
                .collect()
        };
        let mut memo: FxHashMap<Id, Id> = FxHashMap::default();
        for id in reached {
            let m = |x: &Id| memo.get(x).copied().unwrap_or(*x);
            let changed = kids(self.node(id)).any(|k| m(&k) != k);
            let holds_a_product = match self.node(id) {
                Node::Mul(_, fs) => candidates(fs).iter().any(|&(def, _)| match self.node(def) {
                    Node::Mul(_, part) => part.iter().all(|f| fs.contains(f)),
                    _ => false,
                }),
                _ => false,
            };
            let new = if let Some(&s) = subst.get(&id) {
                s
            } else if !changed && !holds_a_product {
                // Untouched: kept as built (an exact difference stays one).
                id
            } else {
                match self.node(id).clone() {
                    Node::Num(_) | Node::Sym(_) => id,
                    // `a - (b + 1)` kept unassociated (see `exact_difference`).
                    Node::Add(ts, k)
                        if ts.len() == 2
                            && k == F::ZERO
                            && ts[0].1 == F::ONE
                            && ts[1].1 == F::int(-1)
                            && matches!(self.node(ts[1].0), Node::Add(..)) =>
                    {
                        self.exact_difference(m(&ts[0].0), m(&ts[1].0))
                    }
                    Node::Add(ts, k) => {
                        let mut items: Vec<(Id, F)> = ts.iter().map(|(t, c)| (m(t), *c)).collect();
                        let kk = self.numq(k);
                        items.push((kk, F::ONE));
                        self.add_q(&items)
                    }
                    Node::Mul(c, fs) => {
                        let mut items: Vec<(Id, F)> = fs.iter().map(|(b, e)| (m(b), *e)).collect();
                        let mut c = c;
                        for (def, sym) in candidates(&items) {
                            let Node::Mul(k, part) = self.node(def) else {
                                continue;
                            };
                            let has = |f: &(Id, F)| items.contains(f);
                            let Some(inverse) = k.pow(F::int(-1)) else {
                                continue;
                            };
                            if part.len() < items.len() && part.iter().all(has) {
                                let part = part.to_vec();
                                items.retain(|f| !part.contains(f));
                                items.push((sym, F::ONE));
                                c = c * inverse;
                            }
                        }
                        let p = self.product(F::ONE, items);
                        let p = self.expand_if_smaller(p);
                        self.scale_q(p, c)
                    }
                    Node::Pow(a, b) => self.pow(m(&a), m(&b)),
                    Node::Call(op, args) => {
                        let args: Vec<Id> = args.iter().map(m).collect();
                        self.call(op, &args)
                    }
                }
            };
            memo.insert(id, new);
        }
        for root in roots {
            *root = memo.get(root).copied().unwrap_or(*root);
        }
    }

    /// The nodes `roots` depend on, themselves included, each once, in
    /// increasing id order.
    pub fn reachable(&self, roots: &[Id]) -> Vec<Id> {
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack = roots.to_vec();
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            out.push(id);
            stack.extend(kids(self.node(id)));
        }
        out.sort_unstable();
        out
    }

    /// The order of a sum's terms in print: the first name a term uses
    /// (order of appearance), then its kind (variables and their products
    /// before functions), its size, then its structure: one order in every
    /// arena.
    pub fn rank(&self, id: Id) -> (u32, u8, u64, u64, Id) {
        (
            self.ranks[id as usize],
            self.class(id),
            self.sizes[id as usize],
            self.prints[id as usize],
            id,
        )
    }

    /// The order of a product's factors in print: constants (`pi`),
    /// variables and steps by first appearance, other powers and
    /// products, sums without functions, functions, then sums with
    /// functions (`2*pi*x*(w*x - y)`, `(1 - y)*ln(1 - yhat)`,
    /// `x*sigmoid(z)*(1 - sigmoid(z))`).
    pub fn factor_rank(&self, id: Id) -> (u8, u32, u64, Id) {
        (
            self.class(id),
            self.ranks[id as usize],
            self.prints[id as usize],
            id,
        )
    }

    fn class(&self, id: Id) -> u8 {
        self.classes[id as usize]
    }

    fn class_of(&self, node: &Node, calls: bool) -> u8 {
        match node {
            Node::Num(_) => 0,
            Node::Sym(_) => 1,
            Node::Mul(_, fs) if fs.iter().all(|f| matches!(self.node(f.0), Node::Sym(_))) => 1,
            Node::Mul(..) | Node::Pow(..) => 2,
            Node::Add(..) if !calls => 3,
            Node::Call(..) => 4,
            Node::Add(..) => 5,
        }
    }

    /// The direct inputs of a node.
    pub fn children(&self, id: Id) -> Vec<Id> {
        self.children_of(self.node(id))
    }

    fn children_of(&self, node: &Node) -> Vec<Id> {
        kids(node).collect()
    }
}

/// The direct inputs of a node, without allocating.
fn kids(node: &Node) -> impl Iterator<Item = Id> + '_ {
    let none: &[Id] = &[];
    let (pairs, first, second): (&[(Id, F)], &[Id], &[Id]) = match node {
        Node::Num(_) | Node::Sym(_) => (&[], none, none),
        Node::Add(ts, _) | Node::Mul(_, ts) => (ts, none, none),
        Node::Pow(a, b) => (&[], std::slice::from_ref(a), std::slice::from_ref(b)),
        Node::Call(_, args) => (&[], args, none),
    };
    pairs
        .iter()
        .map(|p| p.0)
        .chain(first.iter().copied())
        .chain(second.iter().copied())
}

/// Exponents a sum is multiplied out under: 1, 2, 3.
fn is_small_power(e: F) -> bool {
    e.is_integer() && (1.0..=3.0).contains(&e.get())
}

/// The factors of a product but its items `i` and `j`.
fn without_pair(merged: &[(Id, F)], (i, j): (usize, usize)) -> Vec<(Id, F)> {
    merged
        .iter()
        .enumerate()
        .filter(|&(x, _)| x != i && x != j)
        .map(|(_, &f)| f)
        .collect()
}
