//! Formulas as text the parser reads back (README, "Formulas"): the
//! fewest parentheses the precedence table allows (`-x^2` is `-(x^2)`, so a
//! negative base is wrapped: `(-2)^x`), sums with their positive terms
//! first, products with a denominator (`-y/yhat`), and an explicit stack
//! instead of recursion.

use super::expr::{Exprs, Id, Node, F};
use std::ops::{Mul, Neg};

/// Where a node is printed, which decides its parentheses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// A whole formula, a call's argument, a parenthesised group.
    Top,
    /// A factor of a product's numerator (a sum or a sign needs parentheses).
    Factor,
    /// The one factor after `/` (a product needs parentheses too).
    Denominator,
    /// The base or the exponent of `^` (anything but an atom needs them).
    Power,
}

enum Task {
    Node(Id, Ctx),
    Text(&'static str),
    Owned(String),
}

/// The formula `id` as text.
pub fn to_text(ex: &Exprs, id: Id) -> String {
    let mut out = String::new();
    write(ex, id, &mut out);
    out
}

pub fn write(ex: &Exprs, id: Id, out: &mut String) {
    let mut stack = vec![Task::Node(id, Ctx::Top)];
    while let Some(task) = stack.pop() {
        match task {
            Task::Text(s) => out.push_str(s),
            Task::Owned(s) => out.push_str(&s),
            Task::Node(id, ctx) => {
                let mut parts = Vec::new();
                let wrap = needs_parens(ex, id, ctx);
                if wrap {
                    parts.push(Task::Text("("));
                }
                node_parts(ex, id, &mut parts);
                if wrap {
                    parts.push(Task::Text(")"));
                }
                stack.extend(parts.into_iter().rev());
            }
        }
    }
}

fn number(x: f64) -> String {
    crate::number::format(x)
}

/// A constant's text (README, "Formulas: constants"): an integer; a
/// fraction with a short exact decimal as that decimal, as the user writes
/// it (`0.5`, `1.25`, `0.7`); any other fraction as `p/q` (`1/3`); a float
/// by its shortest digits.
pub fn constant(f: F) -> String {
    decimal(f).unwrap_or_else(|| match f {
        F::R(p, q) => format!("{p}/{q}"),
        F::X(_) => number(f.get()),
    })
}

/// The decimal text of a constant, if it has a short exact one.
pub fn decimal(f: F) -> Option<String> {
    f.is_decimal().then(|| number(f.get()))
}

/// Whether a constant prints as `p/q`.
fn is_fraction(f: F) -> bool {
    decimal(f).is_none()
}

/// Whether the node's text starts with a minus sign.
fn is_negative(ex: &Exprs, id: Id) -> bool {
    match ex.node(id) {
        Node::Num(v) => v.get() < 0.0,
        Node::Mul(c, _) => c.get() < 0.0,
        Node::Add(..) => first_term_negative(ex, id),
        _ => false,
    }
}

fn first_term_negative(ex: &Exprs, id: Id) -> bool {
    match ex.node(id) {
        Node::Add(terms, k) => k.get() <= 0.0 && terms.iter().all(|t| t.1.get() < 0.0),
        _ => false,
    }
}

fn needs_parens(ex: &Exprs, id: Id, ctx: Ctx) -> bool {
    let node = ex.node(id);
    match ctx {
        Ctx::Top => false,
        Ctx::Factor => matches!(node, Node::Add(..)) || is_negative(ex, id),
        Ctx::Denominator => {
            matches!(node, Node::Add(..) | Node::Mul(..))
                || is_negative(ex, id)
                || matches!(node, Node::Num(v) if is_fraction(*v))
        }
        Ctx::Power => !matches!(node, Node::Sym(_) | Node::Call(..)) && !is_plain_number(node),
    }
}

fn is_plain_number(node: &Node) -> bool {
    matches!(node, Node::Num(v) if v.get() >= 0.0 && !is_fraction(*v))
}

fn node_parts(ex: &Exprs, id: Id, parts: &mut Vec<Task>) {
    match ex.node(id) {
        Node::Num(v) => parts.push(Task::Owned(constant(*v))),
        Node::Sym(i) => parts.push(Task::Owned(ex.name(*i).to_string())),
        Node::Call(op, args) => {
            parts.push(Task::Owned(format!("{}(", op.name())));
            for (i, &a) in args.iter().enumerate() {
                if i > 0 {
                    parts.push(Task::Text(", "));
                }
                parts.push(Task::Node(a, Ctx::Top));
            }
            parts.push(Task::Text(")"));
        }
        Node::Pow(a, b) => {
            parts.push(Task::Node(*a, Ctx::Power));
            parts.push(Task::Text("^"));
            parts.push(Task::Node(*b, Ctx::Power));
        }
        Node::Mul(c, fs) => {
            if c.get() < 0.0 {
                parts.push(Task::Text("-"));
            }
            product_parts(ex, c.abs(), fs, parts);
        }
        Node::Add(terms, k) => {
            let k = *k;
            let mut terms = terms.to_vec();
            sort_terms(ex, &mut terms);
            let mut order: Vec<(Option<Id>, F)> = Vec::with_capacity(terms.len() + 1);
            if k.get() > 0.0 {
                order.push((None, k));
            }
            order.extend(
                terms
                    .iter()
                    .filter(|t| t.1.get() > 0.0)
                    .map(|&(t, c)| (Some(t), c)),
            );
            order.extend(
                terms
                    .iter()
                    .filter(|t| t.1.get() < 0.0)
                    .map(|&(t, c)| (Some(t), c)),
            );
            if k.get() < 0.0 {
                order.push((None, k));
            }
            for (i, (term, c)) in order.into_iter().enumerate() {
                parts.push(Task::Text(match (i, c.get() < 0.0) {
                    (0, false) => "",
                    (0, true) => "-",
                    (_, false) => " + ",
                    (_, true) => " - ",
                }));
                match term {
                    None => parts.push(Task::Owned(constant(c.abs()))),
                    Some(t) => term_parts(ex, t, c.abs(), parts),
                }
            }
        }
    }
}

/// A sum's terms in the order of [`Exprs::rank`], equal ranks by their text:
/// one order wherever the formula is built.
pub fn sort_terms(ex: &Exprs, terms: &mut [(Id, F)]) {
    terms.sort_by_cached_key(|&(t, _)| ex.rank(t));
    by_text(ex, terms, |ex, t| {
        let k = ex.rank(t);
        (u64::from(k.0), u64::from(k.1), k.2)
    });
}

/// A product's factors in the order of [`Exprs::factor_rank`], then by text.
pub fn sort_factors(ex: &Exprs, factors: &mut [(Id, F)]) {
    factors.sort_by_key(|&(b, _)| {
        let k = ex.factor_rank(b);
        (k.0, k.1, ex.size(b), k.2, k.3)
    });
    by_text(ex, factors, |ex, b| {
        let k = ex.factor_rank(b);
        (u64::from(k.0), u64::from(k.1), ex.size(b))
    });
}

/// Each run of equal keys (sorted already) put in the order of its text.
fn by_text(ex: &Exprs, items: &mut [(Id, F)], key: impl Fn(&Exprs, Id) -> (u64, u64, u64)) {
    let mut start = 0;
    while start < items.len() {
        let k = key(ex, items[start].0);
        let mut end = start + 1;
        while end < items.len() && key(ex, items[end].0) == k {
            end += 1;
        }
        // A long run keeps the structural order (a fingerprint): texts
        // would cost as much as printing the run again.
        if end - start > 1 && end - start <= 8 {
            items[start..end].sort_by_cached_key(|&(t, _)| to_text(ex, t));
        }
        start = end;
    }
}

/// A term `c·t` of a sum (c > 0): a product's coefficient merged in.
fn term_parts(ex: &Exprs, t: Id, c: F, parts: &mut Vec<Task>) {
    match ex.node(t) {
        // Only in an exact difference (`a - (-2*x)`), never in a canonical sum.
        Node::Mul(k, _) if k.get() < 0.0 => parts.push(Task::Node(t, Ctx::Factor)),
        Node::Mul(k, fs) => product_parts(ex, c.mul(*k), fs, parts),
        _ if c == F::ONE => parts.push(Task::Node(t, Ctx::Factor)),
        _ => product_parts(ex, c, &[(t, F::ONE)], parts),
    }
}

/// `c·Π bᵢ^eᵢ` with c > 0: the coefficient, the numerator's factors (sums
/// last), then `/` and the denominator.
fn product_parts(ex: &Exprs, c: F, fs: &[(Id, F)], parts: &mut Vec<Task>) {
    let mut numerator: Vec<(Id, F)> = fs.iter().copied().filter(|f| f.1.get() > 0.0).collect();
    sort_factors(ex, &mut numerator);
    let mut denominator: Vec<(Id, F)> = fs
        .iter()
        .filter(|f| f.1.get() < 0.0)
        .map(|&(b, e)| (b, e.neg()))
        .collect();
    sort_factors(ex, &mut denominator);
    // `x/3` rather than `0.3333333333333333*x`, `2*x/3` for 2/3; a short
    // decimal stays one (`0.7*x`, `1.25*x`).
    let (top, divide_by) = match c {
        F::R(1, q) if q != 1 && (q <= 1000 || is_fraction(c)) => (None, Some(number(q as f64))),
        F::R(p, q) if q != 1 && is_fraction(c) => (Some(number(p as f64)), Some(number(q as f64))),
        F::X(_) => {
            let v = c.get();
            let inverse = 1.0 / v;
            if v < 1.0 && inverse.fract() == 0.0 && inverse < 1e15 {
                (None, Some(number(inverse)))
            } else {
                (Some(number(v)), None)
            }
        }
        _ if c == F::ONE => (None, None),
        _ => (Some(constant(c)), None),
    };
    let mut first = true;
    let mut sep = |parts: &mut Vec<Task>| {
        if !first {
            parts.push(Task::Text("*"));
        }
        first = false;
    };
    if let Some(top) = top {
        sep(parts);
        parts.push(Task::Owned(top));
    }
    for &(b, e) in &numerator {
        sep(parts);
        power_parts(b, e, Ctx::Factor, parts);
    }
    if first {
        parts.push(Task::Text("1"));
    }
    let count = denominator.len() + usize::from(divide_by.is_some());
    if count == 0 {
        return;
    }
    parts.push(Task::Text("/"));
    if count > 1 {
        parts.push(Task::Text("("));
    }
    let mut first = true;
    if let Some(d) = divide_by {
        parts.push(Task::Owned(d));
        first = false;
    }
    for &(b, e) in &denominator {
        if !first {
            parts.push(Task::Text("*"));
        }
        first = false;
        let ctx = if count > 1 {
            Ctx::Factor
        } else {
            Ctx::Denominator
        };
        power_parts(b, e, ctx, parts);
    }
    if count > 1 {
        parts.push(Task::Text(")"));
    }
}

fn power_parts(b: Id, e: F, ctx: Ctx, parts: &mut Vec<Task>) {
    if e == F::ONE {
        parts.push(Task::Node(b, ctx));
    } else {
        parts.push(Task::Node(b, Ctx::Power));
        parts.push(Task::Text("^"));
        if is_fraction(e) {
            parts.push(Task::Owned(format!("({})", constant(e))));
        } else {
            parts.push(Task::Owned(constant(e)));
        }
    }
}

/// Operators and function calls in a formula's text, counted as SymPy's
/// `count_ops` counts them, and the same way for any text of the language
/// (SymPy's `**` is one operator): each `+ - * / ^`, binary or unary, and
/// each name followed by `(`. The sign of a number's exponent (`1e-3`) is
/// part of the number.
pub fn count_ops(text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let mut count = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() || c == '.' {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            if j < chars.len() && chars[j] == '(' {
                count += 1;
            }
            continue;
        }
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                count += 1;
                i += 1;
            }
            '+' | '-' | '*' | '/' | '^' => count += 1,
            _ => {}
        }
        i += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_as_sympy() {
        for (text, n) in [
            ("x", 0),
            ("-x", 1),
            ("x*(yhat - y)", 2),
            ("2*z**3", 2),
            ("exp(-x)", 2),
            ("1e-3*x", 1),
            ("2.5E+4 + x", 1),
            (
                "x*(-y*exp(b + w*x) - y + exp(b + w*x))/(exp(b + w*x) + 1)",
                16,
            ),
            ("sigmoid(w*x + b)", 3),
            ("log10 (x)", 1),
        ] {
            assert_eq!(count_ops(text), n, "{text}");
        }
    }
}
