//! `--format latex`: the program's steps and the formulas as one `aligned`
//! block, ready for a slide: `\frac{\partial L}{\partial w} &=
//! x\left(\hat{y} - y\right)`. Names read as the lecture writes them
//! (`yhat` → `\hat{y}`, `alpha` and `α` → `\alpha`, `σ` → `\sigma`),
//! products by juxtaposition (`\cdot` between two numbers), quotients as
//! `\frac`. An explicit stack, as the text printer.

use super::expr::{Exprs, Id, Node, F};
use super::{Formulas, Hessian};
use crate::graph::Graph;
use crate::ops::Op;

const GREEK: [&str; 24] = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
    "varepsilon",
];

/// A name in LaTeX: `yhat` → `\hat{y}`, `alpha` → `\alpha`, `w_1` → `w_{1}`,
/// a long name upright (`\mathrm{loss}`), a tensor's element with its
/// indices as a subscript (`W[1,0]` → `W_{1,0}`, SPEC §9).
pub fn name(text: &str) -> String {
    if let Some((base, indices)) = text
        .strip_suffix(']')
        .and_then(|t| t.split_once('['))
        .filter(|(b, _)| !b.is_empty())
    {
        return format!("{}_{{{indices}}}", name(base));
    }
    if let Some(base) = text.strip_suffix("hat").filter(|b| !b.is_empty()) {
        return format!("\\hat{{{}}}", name(base));
    }
    if let Some((base, sub)) = text
        .split_once('_')
        .filter(|(b, s)| !b.is_empty() && !s.is_empty())
    {
        return format!("{}_{{{}}}", name(base), name(sub));
    }
    let greek_letter = |c: char| {
        let lower = "αβγδεζηθικλμνξπρστυφχψω";
        lower.chars().position(|g| g == c).map(|i| GREEK[i])
    };
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if greek_letter(c).is_some() => {
            format!("\\{}", greek_letter(c).unwrap_or(""))
        }
        (Some(c), Some('\u{302}')) if chars.next().is_none() => {
            format!("\\hat{{{}}}", name(&c.to_string()))
        }
        (Some('ŷ'), None) => "\\hat{y}".into(),
        (Some(_), None) => text.to_string(),
        _ if GREEK.contains(&text) => format!("\\{text}"),
        _ if text.chars().count() <= 2 => text.to_string(),
        _ => format!("\\mathrm{{{text}}}"),
    }
}

fn function(op: Op) -> String {
    match op {
        Op::Sigmoid => "\\sigma".into(),
        Op::Logsigmoid => "\\log\\sigma".into(),
        Op::Sin | Op::Cos | Op::Tan | Op::Sinh | Op::Cosh | Op::Tanh | Op::Exp | Op::Ln => {
            format!("\\{}", op.name())
        }
        Op::Asin => "\\arcsin".into(),
        Op::Acos => "\\arccos".into(),
        Op::Atan => "\\arctan".into(),
        Op::Max => "\\max".into(),
        Op::Min => "\\min".into(),
        Op::Log => "\\log".into(),
        Op::Log2 => "\\log_{2}".into(),
        Op::Log10 => "\\log_{10}".into(),
        Op::Sign => "\\operatorname{sgn}".into(),
        other => format!("\\operatorname{{{}}}", other.name()),
    }
}

enum Task {
    Node(Id, bool),
    Text(String),
}

/// The formula `id` in LaTeX; `wrap`: as a factor (a sum or a sign gets
/// `\left(…\right)`).
pub fn formula(ex: &Exprs, id: Id) -> String {
    let mut out = String::new();
    let mut stack = vec![Task::Node(id, false)];
    let t = |s: &str| Task::Text(s.to_string());
    while let Some(task) = stack.pop() {
        let (id, wrap) = match task {
            Task::Text(s) => {
                out.push_str(&s);
                continue;
            }
            Task::Node(id, wrap) => (id, wrap),
        };
        let mut parts: Vec<Task> = Vec::new();
        let node = ex.node(id);
        let negative = match node {
            Node::Num(v) | Node::Mul(v, _) => v.get() < 0.0,
            _ => false,
        };
        let wrap = wrap && (matches!(node, Node::Add(..)) || negative);
        if wrap {
            parts.push(t("\\left("));
        }
        match node {
            Node::Num(v) => parts.push(Task::Text(constant(*v))),
            Node::Sym(i) => parts.push(Task::Text(name(ex.name(*i)))),
            Node::Call(op, args) => {
                if *op == Op::Sqrt {
                    parts.push(t("\\sqrt{"));
                    parts.push(Task::Node(args[0], false));
                    parts.push(t("}"));
                } else if *op == Op::Abs {
                    parts.push(t("\\left|"));
                    parts.push(Task::Node(args[0], false));
                    parts.push(t("\\right|"));
                } else {
                    parts.push(Task::Text(format!("{}\\left(", function(*op))));
                    for (i, &a) in args.iter().enumerate() {
                        if i > 0 {
                            parts.push(t(", "));
                        }
                        parts.push(Task::Node(a, false));
                    }
                    parts.push(t("\\right)"));
                }
            }
            Node::Pow(a, b) => {
                parts.push(t("{"));
                parts.push(Task::Node(*a, true));
                parts.push(t("}^{"));
                parts.push(Task::Node(*b, false));
                parts.push(t("}"));
            }
            Node::Add(terms, k) => {
                let mut terms = terms.to_vec();
                super::print::sort_terms(ex, &mut terms);
                let mut first = true;
                let mut items: Vec<(Option<Id>, F)> = terms
                    .iter()
                    .filter(|x| x.1.get() > 0.0)
                    .map(|&(x, c)| (Some(x), c))
                    .collect();
                if k.get() > 0.0 {
                    items.insert(0, (None, *k));
                }
                items.extend(
                    terms
                        .iter()
                        .filter(|x| x.1.get() < 0.0)
                        .map(|&(x, c)| (Some(x), c)),
                );
                if k.get() < 0.0 {
                    items.push((None, *k));
                }
                for (term, c) in items {
                    parts.push(t(match (first, c.get() < 0.0) {
                        (true, false) => "",
                        (true, true) => "-",
                        (false, false) => " + ",
                        (false, true) => " - ",
                    }));
                    first = false;
                    match term {
                        None => parts.push(Task::Text(constant(c.abs()))),
                        Some(x)
                            if matches!(ex.node(x), Node::Add(..) | Node::Mul(..))
                                && c.abs() == F::ONE
                                && !matches!(ex.node(x), Node::Mul(k, _) if k.get() > 0.0) =>
                        {
                            parts.push(Task::Node(x, true))
                        }
                        Some(x) => product(ex, x, c.abs(), &mut parts),
                    }
                }
            }
            Node::Mul(c, _) => {
                if c.get() < 0.0 {
                    parts.push(t("-"));
                }
                product(ex, id, F::ONE, &mut parts);
            }
        }
        if wrap {
            parts.push(t("\\right)"));
        }
        stack.extend(parts.into_iter().rev());
    }
    out
}

/// A constant as a slide writes it: an integer or a short decimal as
/// the text printer has it (`0.7`), another fraction as `\frac{1}{3}`.
fn constant(f: F) -> String {
    match (super::print::decimal(f), f.fraction()) {
        (None, Some((p, q))) if p < 0 => format!("-\\frac{{{}}}{{{q}}}", -p),
        (None, Some((p, q))) => format!("\\frac{{{p}}}{{{q}}}"),
        _ => super::print::constant(f),
    }
}

/// An exponent: a fraction inline (`x^{2/3}`), as lecturers write it.
fn exponent(e: F) -> String {
    super::print::constant(e)
}

/// `c·t` with c > 0 (a product's own coefficient taken by its size). A
/// fractional coefficient p/q puts p over the numerator's factors and q
/// under the denominator's: `\frac{7}{30}` times a factor is
/// `\frac{7\,(…)}{30}`.
fn product(ex: &Exprs, id: Id, c: F, parts: &mut Vec<Task>) {
    let (coeff, factors): (F, Vec<(Id, F)>) = match ex.node(id) {
        Node::Mul(k, fs) => (c * k.abs(), fs.to_vec()),
        _ => (c, vec![(id, F::ONE)]),
    };
    let mut numerator: Vec<(Id, F)> = factors
        .iter()
        .copied()
        .filter(|f| f.1.get() > 0.0)
        .collect();
    numerator.sort_by(|a, b| {
        let (ka, kb) = (ex.factor_rank(a.0), ex.factor_rank(b.0));
        (ka.0, ka.1).cmp(&(kb.0, kb.1))
    });
    let denominator: Vec<(Id, F)> = factors
        .iter()
        .filter(|f| f.1.get() < 0.0)
        .map(|&(b, e)| (b, -e))
        .collect();
    // A fraction's numerator and denominator go with the factors'.
    let (top_number, bottom_number) = match (super::print::decimal(coeff), coeff.fraction()) {
        (None, Some((p, q))) if !numerator.is_empty() || !denominator.is_empty() => {
            (F::int(p), Some(q))
        }
        _ => (coeff, None),
    };
    let mut top: Vec<Task> = Vec::new();
    let shows_number = top_number != F::ONE || numerator.is_empty();
    if shows_number {
        top.push(Task::Text(constant(top_number)));
    }
    for (i, &(b, e)) in numerator.iter().enumerate() {
        if i > 0 || shows_number {
            top.push(Task::Text(
                if shows_number && i == 0 { "\\," } else { " " }.into(),
            ));
        }
        let in_frac = !denominator.is_empty() || bottom_number.is_some();
        let wrap = !in_frac || numerator.len() > 1 || shows_number;
        power(b, e, wrap, &mut top);
    }
    if denominator.is_empty() && bottom_number.is_none() {
        parts.extend(top);
        return;
    }
    parts.push(Task::Text("\\frac{".into()));
    parts.extend(top);
    parts.push(Task::Text("}{".into()));
    if let Some(q) = bottom_number {
        parts.push(Task::Text(q.to_string()));
        if !denominator.is_empty() {
            parts.push(Task::Text("\\,".into()));
        }
    }
    for (i, &(b, e)) in denominator.iter().enumerate() {
        if i > 0 {
            parts.push(Task::Text(" ".into()));
        }
        let wrap = denominator.len() > 1 || bottom_number.is_some();
        power(b, e, wrap, parts);
    }
    parts.push(Task::Text("}".into()));
}

fn power(b: Id, e: F, wrap: bool, parts: &mut Vec<Task>) {
    if e == F::ONE {
        parts.push(Task::Node(b, wrap));
    } else {
        parts.push(Task::Text("{".into()));
        parts.push(Task::Node(b, true));
        parts.push(Task::Text(format!("}}^{{{}}}", exponent(e))));
    }
}

fn partial(output: &str, v: &str) -> String {
    format!(
        "\\frac{{\\partial {}}}{{\\partial {}}}",
        name(output),
        name(v)
    )
}

/// The whole document: steps, gradient, Hessian (one `aligned` block).
pub fn document(
    graph: &Graph,
    f: &Formulas,
    output: &str,
    second: Option<&Hessian>,
    _bare: bool,
) -> String {
    let mut lines = Vec::new();
    for &(node, def) in &f.steps {
        lines.push(format!(
            "{} &= {}",
            name(&graph.name(node).to_string()),
            formula(&f.ex, def)
        ));
    }
    for (v, &g) in graph.variables().iter().zip(&f.gradient) {
        lines.push(format!("{} &= {}", partial(output, v), formula(&f.ex, g)));
    }
    if let Some(h) = second {
        let vars = graph.variables();
        for (i, u) in vars.iter().enumerate() {
            for (j, v) in vars.iter().enumerate().skip(i) {
                let text = &h.rows[i][j];
                let mut ex = Exprs::new();
                let id = super::read(&mut ex, text);
                let lhs = if i == j {
                    format!(
                        "\\frac{{\\partial^2 {}}}{{\\partial {}^2}}",
                        name(output),
                        name(u)
                    )
                } else {
                    format!(
                        "\\frac{{\\partial^2 {}}}{{\\partial {}\\,\\partial {}}}",
                        name(output),
                        name(u),
                        name(v)
                    )
                };
                let rhs = id.map_or_else(|| text.clone(), |id| formula(&ex, id));
                lines.push(format!("{lhs} &= {rhs}"));
            }
        }
    }
    format!(
        "\\begin{{aligned}}\n{}\n\\end{{aligned}}\n",
        lines.join(" \\\\\n")
    )
}

#[cfg(test)]
mod tests {
    use super::name;

    #[test]
    fn names_read_as_on_a_slide() {
        for (text, tex) in [
            ("yhat", "\\hat{y}"),
            ("ŷ", "\\hat{y}"),
            ("alpha", "\\alpha"),
            ("α", "\\alpha"),
            ("σ", "\\sigma"),
            ("w_1", "w_{1}"),
            ("x", "x"),
            ("loss", "\\mathrm{loss}"),
        ] {
            assert_eq!(name(text), tex, "{text}");
        }
    }
}
