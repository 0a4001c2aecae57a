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

pub type Id = u32;

/// An `f64` as a hashable key (its bits; -0 is 0).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct F(u64);

impl F {
    pub fn new(x: f64) -> F {
        F(if x == 0.0 { 0 } else { x.to_bits() })
    }
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Node {
    Num(F),
    /// A variable or a named step: `Exprs::names[i]`.
    Sym(u32),
    /// Σ coefficient·term + constant. Terms sorted by id, never a number, a
    /// sum, or a product with a coefficient other than 1.
    Add(Box<[(Id, F)]>, F),
    /// coefficient · Π base^exponent. Bases sorted by id, never a number or
    /// a product (unless raised to a fractional power); exponents ≠ 0.
    Mul(F, Box<[(Id, F)]>),
    /// A power whose exponent is not a number (`2^x`, `x^y`).
    Pow(Id, Id),
    Call(Op, Box<[Id]>),
}

/// Multiplying out stops beyond this many terms (it is tried, not forced).
const EXPAND_TERMS: usize = 48;

#[derive(Default)]
pub struct Exprs {
    nodes: Vec<Node>,
    ids: FxHashMap<Node, Id>,
    /// The printed size of each node as a tree (operators and calls), an
    /// estimate used to choose the smaller of two equal forms.
    sizes: Vec<u64>,
    /// The first variable or step (by order of appearance) a node names:
    /// the order of a sum's terms and a product's factors in print
    /// (`w*x + b`, `2*y*z^3`).
    ranks: Vec<u32>,
    names: Vec<String>,
    symbols: FxHashMap<String, Id>,
    /// How deep the optional rewrites (factoring, multiplying out, joining
    /// powers) have nested: beyond [`MAX_REWRITE_DEPTH`] they are skipped,
    /// so two rewrites that undo each other cannot recurse without end.
    rewrites: u32,
}

const MAX_REWRITE_DEPTH: u32 = 12;

impl Exprs {
    pub fn new() -> Self {
        Self::default()
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

    fn intern(&mut self, node: Node) -> Id {
        if let Some(&id) = self.ids.get(&node) {
            return id;
        }
        let size = self.measure(&node);
        let rank = match &node {
            Node::Sym(i) => *i,
            _ => self
                .children_of(&node)
                .iter()
                .map(|&c| self.ranks[c as usize])
                .min()
                .unwrap_or(u32::MAX),
        };
        self.ranks.push(rank);
        let id = self.nodes.len() as Id;
        self.nodes.push(node.clone());
        self.sizes.push(size);
        self.ids.insert(node, id);
        id
    }

    fn measure(&self, node: &Node) -> u64 {
        let s = |id: Id| self.sizes[id as usize];
        match node {
            Node::Num(v) => u64::from(v.get() < 0.0),
            Node::Sym(_) => 0,
            Node::Call(_, args) => args.iter().fold(1, |a, &x| a.saturating_add(s(x))),
            Node::Pow(a, b) => 1u64.saturating_add(s(*a)).saturating_add(s(*b)),
            Node::Add(terms, k) => {
                let n = terms.len() as u64 + u64::from(k.get() != 0.0);
                terms.iter().fold(n - 1, |acc, &(t, c)| {
                    acc.saturating_add(s(t))
                        .saturating_add(u64::from(c.get().abs() != 1.0))
                })
            }
            Node::Mul(c, factors) => {
                let c = c.get();
                let base = factors.len() as u64 - 1
                    + u64::from(c.abs() != 1.0)
                    + u64::from(c < 0.0)
                    + u64::from(factors.iter().all(|f| f.1.get() < 0.0));
                factors.iter().fold(base, |acc, &(f, e)| {
                    acc.saturating_add(s(f))
                        .saturating_add(u64::from(e.get().abs() != 1.0))
                })
            }
        }
    }

    pub fn num(&mut self, x: f64) -> Id {
        self.intern(Node::Num(F::new(x)))
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

    /// `c · t`; a sum is distributed.
    pub fn scale(&mut self, t: Id, c: f64) -> Id {
        if c == 1.0 {
            return t;
        }
        match self.node(t).clone() {
            Node::Num(v) => self.num(c * v.get()),
            Node::Add(..) => self.add(&[(t, c)]),
            Node::Mul(k, factors) => self.product(c * k.get(), unpack(&factors)),
            _ if c == 0.0 => self.num(0.0),
            _ => self.intern(Node::Mul(F::new(c), Box::new([(t, F::new(1.0))]))),
        }
    }

    /// Σ cᵢ·tᵢ, canonical.
    pub fn add(&mut self, items: &[(Id, f64)]) -> Id {
        let mut constant = 0.0;
        let mut terms: Vec<(Id, f64)> = Vec::with_capacity(items.len());
        let mut work: Vec<(Id, f64)> = items.iter().rev().copied().collect();
        while let Some((t, c)) = work.pop() {
            match self.node(t) {
                Node::Num(v) => constant += c * v.get(),
                Node::Add(ts, k) => {
                    constant += c * k.get();
                    work.extend(ts.iter().rev().map(|&(u, d)| (u, d.get() * c)));
                }
                Node::Mul(k, fs) if k.get() != 1.0 => {
                    let (k, fs) = (k.get(), fs.clone());
                    let unit = self.product(1.0, unpack(&fs));
                    work.push((unit, c * k));
                }
                _ => terms.push((t, c)),
            }
        }
        terms.sort_by_key(|&(t, _)| t);
        let mut merged: Vec<(Id, F)> = Vec::with_capacity(terms.len());
        let mut i = 0;
        while i < terms.len() {
            let t = terms[i].0;
            let mut c = 0.0;
            while i < terms.len() && terms[i].0 == t {
                c += terms[i].1;
                i += 1;
            }
            if c != 0.0 {
                merged.push((t, F::new(c)));
            }
        }
        match merged.len() {
            0 => self.num(constant),
            1 if constant == 0.0 => {
                let (t, c) = merged[0];
                self.scale(t, c.get())
            }
            _ => {
                let common = if constant == 0.0 && self.rewrites < MAX_REWRITE_DEPTH {
                    self.common_factors(&merged)
                } else {
                    Vec::new()
                };
                let sum = self.intern(Node::Add(merged.clone().into(), F::new(constant)));
                if common.is_empty() {
                    return sum;
                }
                self.rewrites += 1;
                let factored = self.factor_out(&merged, common);
                self.rewrites -= 1;
                if self.size(factored) < self.size(sum) {
                    factored
                } else {
                    sum
                }
            }
        }
    }

    /// The factors every term of a sum has (`x` in `x*yhat - x*y`), each
    /// with the exponent nearest 0 among the terms, of one sign.
    fn common_factors(&self, terms: &[(Id, F)]) -> Vec<(Id, f64)> {
        let (_, mut common) = self.factors_of(terms[0].0);
        for &(t, _) in &terms[1..] {
            if common.is_empty() {
                break;
            }
            let (_, fs) = self.factors_of(t);
            common.retain_mut(|(b, e)| match fs.iter().find(|f| f.0 == *b) {
                Some(&(_, d)) if d.signum() == e.signum() => {
                    if d.abs() < e.abs() {
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
    fn factor_out(&mut self, terms: &[(Id, F)], common: Vec<(Id, f64)>) -> Id {
        let mut inner = Vec::with_capacity(terms.len());
        for &(t, c) in terms {
            let (k, mut fs) = self.factors_of(t);
            for &(b, e) in &common {
                fs.push((b, -e));
            }
            inner.push((self.product(k, fs), c.get()));
        }
        let inner = self.add(&inner);
        let mut items = common;
        items.push((inner, 1.0));
        self.product(1.0, items)
    }

    /// `a - b` as one subtraction, its operands kept whole: a kink's test
    /// (`sign(max(a, b + 1) - (b + 1))`) must be exactly 0 at a tie, which
    /// reassociating the sum would break.
    pub fn exact_difference(&mut self, a: Id, b: Id) -> Id {
        if a == b {
            return self.num(0.0);
        }
        if let (Some(x), Some(y)) = (self.number(a), self.number(b)) {
            return self.num(x - y);
        }
        let (one, minus) = (F::new(1.0), F::new(-1.0));
        self.intern(Node::Add(Box::new([(a, one), (b, minus)]), F::new(0.0)))
    }

    /// Π bᵢ^eᵢ (numeric exponents), canonical, multiplied out when smaller.
    pub fn mul(&mut self, items: &[(Id, f64)]) -> Id {
        let id = self.product(1.0, items.to_vec());
        self.expand_if_smaller(id)
    }

    /// `a · b`.
    pub fn times(&mut self, a: Id, b: Id) -> Id {
        self.mul(&[(a, 1.0), (b, 1.0)])
    }

    /// The canonical product, never multiplied out.
    fn product(&mut self, coeff: f64, items: Vec<(Id, f64)>) -> Id {
        let mut coeff = coeff;
        let mut factors: Vec<(Id, f64)> = Vec::with_capacity(items.len());
        let mut work = items;
        work.reverse();
        while let Some((t, e)) = work.pop() {
            match self.node(t) {
                Node::Num(v) => {
                    let p = v.get().powf(e);
                    if p.is_finite() {
                        coeff *= p;
                    } else {
                        factors.push((t, e));
                    }
                }
                Node::Mul(k, fs) if e.fract() == 0.0 => {
                    coeff *= k.get().powf(e);
                    work.extend(fs.iter().rev().map(|&(b, d)| (b, d.get() * e)));
                }
                // (c·u)^e = c^e·u^e for c > 0, whatever the sign of u.
                Node::Mul(k, fs) if k.get() > 0.0 && k.get() != 1.0 => {
                    coeff *= k.get().powf(e);
                    let unit = self.product(1.0, unpack(&fs.clone()));
                    factors.push((unit, e));
                }
                // exp(u)^k = exp(k·u) (k > 0: a quotient by exp(u) must still
                // cancel it, see `factor_out`).
                Node::Call(Op::Exp, args) if e > 0.0 && e != 1.0 => {
                    let u = args[0];
                    let ku = self.scale(u, e);
                    work.push((self.call(Op::Exp, &[ku]), 1.0));
                }
                // (b^p)^n = b^(n·p) for an integer n > 1 (not below: `1/w^x` prints
                // smaller than `w^(-x)`): equal wherever the
                // left side is defined (`(λ^β)^2` is `λ^(2*β)`).
                Node::Pow(b, p)
                    if e.fract() == 0.0 && e > 1.0 && self.rewrites < MAX_REWRITE_DEPTH =>
                {
                    let (b, p) = (*b, *p);
                    self.rewrites += 1;
                    let np = self.scale(p, e);
                    let power = self.pow(b, np);
                    self.rewrites -= 1;
                    work.push((power, 1.0));
                }
                // A sum that prints with a leading minus is negated under
                // an integer power: (-a - b)^2 = (a + b)^2.
                Node::Add(..) if e.fract() == 0.0 && self.is_negative_sum(t) => {
                    let positive = self.scale(t, -1.0);
                    if e % 2.0 != 0.0 {
                        coeff = -coeff;
                    }
                    factors.push((positive, e));
                }
                _ => factors.push((t, e)),
            }
        }
        if coeff == 0.0 {
            return self.num(0.0);
        }
        factors.sort_by_key(|&(b, _)| b);
        let mut merged: Vec<(Id, F)> = Vec::with_capacity(factors.len());
        let mut i = 0;
        while i < factors.len() {
            let b = factors[i].0;
            let mut e = 0.0;
            while i < factors.len() && factors[i].0 == b {
                e += factors[i].1;
                i += 1;
            }
            if e != 0.0 {
                merged.push((b, F::new(e)));
            }
        }
        // b^e · b^k = b^(e + k): `z*z^(z*λ - 1)` is `z^(z*λ)`, and
        // `λ^(2*β)*λ^(β - 1)` is `λ^(3*β - 1)` (an integer power of the
        // second: `0.5^(2*x1)/0.5^x1` is `0.5^x1`).
        let joined = merged
            .iter()
            .enumerate()
            .find_map(|(i, &(p, one))| match self.node(p) {
                Node::Pow(b, e) if one.get() == 1.0 => {
                    merged
                        .iter()
                        .enumerate()
                        .find_map(|(j, f)| match self.node(f.0) {
                            _ if f.0 == *b => Some((i, j, *b, *e, None, f.1.get())),
                            Node::Pow(c, k) if j != i && c == b && f.1.get().fract() == 0.0 => {
                                Some((i, j, *b, *e, Some(*k), f.1.get()))
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
                None => (self.num(k), 1.0),
            };
            let exponent = self.add(&[(e, 1.0), (k, m)]);
            let power = self.pow(b, exponent);
            let mut items: Vec<(Id, f64)> = merged
                .iter()
                .enumerate()
                .filter(|&(x, _)| x != i && x != j)
                .map(|(_, &(f, d))| (f, d.get()))
                .collect();
            items.push((power, 1.0));
            let joined = self.product(coeff, items);
            self.rewrites -= 1;
            return joined;
        }
        match merged.len() {
            0 => self.num(coeff),
            1 if merged[0].1.get() == 1.0 => self.scale(merged[0].0, coeff),
            _ => self.intern(Node::Mul(F::new(coeff), merged.into())),
        }
    }

    /// `a ^ b`.
    pub fn pow(&mut self, a: Id, b: Id) -> Id {
        match (self.number(a), self.number(b)) {
            (_, Some(e)) => self.mul(&[(a, e)]),
            (Some(1.0), _) => a,
            _ => self.intern(Node::Pow(a, b)),
        }
    }

    /// A function call; numbers fold where the value is finite.
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
            let positive = self.scale(args[0], -1.0);
            let f = self.call_plain(op, &[positive]);
            return if even { f } else { self.scale(f, -1.0) };
        }
        self.call_plain(op, args)
    }

    fn call_plain(&mut self, op: Op, args: &[Id]) -> Id {
        let values: Option<Vec<f64>> = args.iter().map(|&a| self.number(a)).collect();
        if let Some(values) = values {
            let v = op.forward(&values);
            if v.is_finite() {
                return self.num(v);
            }
        }
        self.intern(Node::Call(op, args.into()))
    }

    /// The node of a graph operation on these inputs.
    pub fn apply(&mut self, op: Op, a: &[Id]) -> Id {
        match op {
            Op::Add => self.add(&[(a[0], 1.0), (a[1], 1.0)]),
            Op::Sub => self.add(&[(a[0], 1.0), (a[1], -1.0)]),
            Op::Mul => self.mul(&[(a[0], 1.0), (a[1], 1.0)]),
            Op::Div => self.mul(&[(a[0], 1.0), (a[1], -1.0)]),
            Op::Pow => self.pow(a[0], a[1]),
            Op::Neg => self.scale(a[0], -1.0),
            Op::Id => a[0],
            _ => self.call(op, a),
        }
    }

    /// A product as its coefficient and factors.
    fn factors_of(&self, id: Id) -> (f64, Vec<(Id, f64)>) {
        match self.node(id) {
            Node::Num(v) => (v.get(), Vec::new()),
            Node::Mul(c, fs) => (c.get(), fs.iter().map(|&(b, e)| (b, e.get())).collect()),
            _ => (1.0, vec![(id, 1.0)]),
        }
    }

    /// The product multiplied out over its sums, if that is smaller.
    fn expand_if_smaller(&mut self, id: Id) -> Id {
        let Node::Mul(_, fs) = self.node(id) else {
            return id;
        };
        let has_sum = fs
            .iter()
            .any(|&(b, e)| matches!(self.node(b), Node::Add(..)) && is_small_power(e.get()));
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
        let mut done: Vec<(Id, f64)> = Vec::new();
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
                .max_by_key(|(_, &(b, _))| (self.has_fraction(b), b))
                .map(|(i, _)| i);
            let Some(i) = pick else {
                done.push((self.product(coeff, fs), 1.0));
                continue;
            };
            let (sum, e) = fs[i];
            if e == 1.0 {
                fs.remove(i);
            } else {
                fs[i].1 = e - 1.0;
            }
            let Node::Add(terms, k) = self.node(sum).clone() else {
                continue;
            };
            let mut parts: Vec<(Id, f64)> = terms.iter().map(|&(t, c)| (t, c.get())).collect();
            if k.get() != 0.0 {
                let one = self.num(1.0);
                parts.push((one, k.get()));
            }
            for (t, c) in parts {
                let mut items = fs.clone();
                items.push((t, 1.0));
                let p = self.product(coeff * c, items);
                work.push(self.factors_of(p));
            }
        }
        Some(self.add(&done))
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

    /// Replaces the symbols in `subst` (symbol id → formula) everywhere in
    /// `root`, rebuilding bottom-up (ids in increasing order: inputs first).
    pub fn substitute(&mut self, root: Id, subst: &FxHashMap<Id, Id>) -> Id {
        let mut memo: FxHashMap<Id, Id> = FxHashMap::default();
        for id in self.reachable(root) {
            let new = if let Some(&s) = subst.get(&id) {
                s
            } else {
                let m = |x: &Id| memo.get(x).copied().unwrap_or(*x);
                match self.node(id).clone() {
                    Node::Num(_) | Node::Sym(_) => id,
                    Node::Add(ts, k) => {
                        let mut items: Vec<(Id, f64)> =
                            ts.iter().map(|(t, c)| (m(t), c.get())).collect();
                        let kk = self.num(k.get());
                        items.push((kk, 1.0));
                        self.add(&items)
                    }
                    Node::Mul(c, fs) => {
                        let items: Vec<(Id, f64)> =
                            fs.iter().map(|(b, e)| (m(b), e.get())).collect();
                        let p = self.mul(&items);
                        self.scale(p, c.get())
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
        memo.get(&root).copied().unwrap_or(root)
    }

    /// The nodes `root` depends on, itself included, in increasing id order.
    pub fn reachable(&self, root: Id) -> Vec<Id> {
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack = vec![root];
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            out.push(id);
            stack.extend(self.children(id));
        }
        out.sort_unstable();
        out
    }

    /// The order of a node in print: its first name, then its id.
    pub fn rank(&self, id: Id) -> (u32, Id) {
        (self.ranks[id as usize], id)
    }

    /// The direct inputs of a node.
    pub fn children(&self, id: Id) -> Vec<Id> {
        self.children_of(self.node(id))
    }

    fn children_of(&self, node: &Node) -> Vec<Id> {
        match node {
            Node::Num(_) | Node::Sym(_) => Vec::new(),
            Node::Add(ts, _) => ts.iter().map(|t| t.0).collect(),
            Node::Mul(_, fs) => fs.iter().map(|f| f.0).collect(),
            Node::Pow(a, b) => vec![*a, *b],
            Node::Call(_, args) => args.to_vec(),
        }
    }
}

/// Exponents a sum is multiplied out under: 1, 2, 3.
fn is_small_power(e: f64) -> bool {
    e.fract() == 0.0 && (1.0..=3.0).contains(&e)
}

fn unpack(factors: &[(Id, F)]) -> Vec<(Id, f64)> {
    factors.iter().map(|&(b, e)| (b, e.get())).collect()
}
