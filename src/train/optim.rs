//! THE optimizer table: one entry an optimizer — its name, its defaults,
//! the hyperparameters it takes, its state, and its update rule, written in
//! PyTorch's order of operations (`torch.optim`, the `_single_tensor_*`
//! functions, float64), with the lecture's line for `--explain` beside each
//! operation. Adding an optimizer is one entry and one function.

use std::fmt::Write as _;

/// A hyperparameter (`--lr`, `--momentum`, …): what an entry accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hyper {
    Lr,
    Momentum,
    Dampening,
    WeightDecay,
    Betas,
    Eps,
    Alpha,
    Centered,
}

impl Hyper {
    /// The option's name on the command line.
    pub fn flag(self) -> &'static str {
        match self {
            Hyper::Lr => "--lr",
            Hyper::Momentum => "--momentum",
            Hyper::Dampening => "--dampening",
            Hyper::WeightDecay => "--weight-decay",
            Hyper::Betas => "--betas",
            Hyper::Eps => "--eps",
            Hyper::Alpha => "--alpha",
            Hyper::Centered => "--centered",
        }
    }
}

/// The hyperparameters of a run, defaults filled in from the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyperparameters {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub betas: (f64, f64),
    pub eps: f64,
    pub alpha: f64,
    pub centered: bool,
    pub nesterov: bool,
}

/// How many numbers of state an optimizer keeps for each parameter at most.
pub const STATE: usize = 3;

/// One parameter's state: the momentum buffer, Adam's moments, RMSprop's
/// averages (zero at the start, as in PyTorch), and whether a step was
/// taken (SGD's buffer starts as the first gradient).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct State {
    pub s: [f64; STATE],
    pub started: bool,
}

/// One update of one parameter, as `--explain` writes it: `name` is the
/// parameter, `t` the step (from 1), `num` formats a number for display.
pub struct Explain<'a> {
    pub out: &'a mut String,
    pub name: &'a str,
    pub num: &'a dyn Fn(f64) -> String,
}

impl Explain<'_> {
    fn line(&mut self, text: std::fmt::Arguments<'_>) {
        let _ = writeln!(self.out, "  {text}");
    }
}

/// A number in a formula: negative ones in parentheses, `0.1·(−0.2)`.
fn paren(num: &dyn Fn(f64) -> String, x: f64) -> String {
    let text = num(x);
    match x < 0.0 {
        true => format!("({})", text.replacen('-', "−", 1)),
        false => text,
    }
}

/// The update rule: the new value of parameter `p` with gradient `g` at step
/// `t` (from 1), changing `state`; `explain` receives the lecture's lines.
pub type Rule = fn(&Hyperparameters, u64, f64, f64, &mut State, Option<&mut Explain<'_>>) -> f64;

/// One optimizer.
#[derive(Debug)]
pub struct OptimDef {
    /// `--optim NAME`.
    pub name: &'static str,
    /// What it is, for the help and the log.
    pub about: &'static str,
    /// Default learning rate, momentum and weight decay (PyTorch's).
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    /// The hyperparameters it takes; any other is a usage error.
    pub takes: &'static [Hyper],
    /// The names of its state, for the JSON log and `--explain`.
    pub state: &'static [&'static str],
    pub rule: Rule,
}

const SGD_TAKES: &[Hyper] = &[
    Hyper::Lr,
    Hyper::Momentum,
    Hyper::Dampening,
    Hyper::WeightDecay,
];
const ADAM_TAKES: &[Hyper] = &[Hyper::Lr, Hyper::Betas, Hyper::Eps, Hyper::WeightDecay];

/// The table, in `--optim`'s order.
pub const OPTIMIZERS: &[OptimDef] = &[
    OptimDef {
        name: "sgd",
        about: "stochastic gradient descent: w ← w − η·g",
        lr: 1e-3,
        momentum: 0.0,
        weight_decay: 0.0,
        nesterov: false,
        takes: SGD_TAKES,
        state: &["buf"],
        rule: sgd,
    },
    OptimDef {
        name: "momentum",
        about: "SGD with momentum 0.9 (heavy ball)",
        lr: 1e-3,
        momentum: 0.9,
        weight_decay: 0.0,
        nesterov: false,
        takes: SGD_TAKES,
        state: &["buf"],
        rule: sgd,
    },
    OptimDef {
        name: "nesterov",
        about: "SGD with Nesterov momentum 0.9",
        lr: 1e-3,
        momentum: 0.9,
        weight_decay: 0.0,
        nesterov: true,
        takes: SGD_TAKES,
        state: &["buf"],
        rule: sgd,
    },
    OptimDef {
        name: "adam",
        about: "Adam (weight decay added to the gradient)",
        lr: 1e-3,
        momentum: 0.0,
        weight_decay: 0.0,
        nesterov: false,
        takes: ADAM_TAKES,
        state: &["m", "v"],
        rule: adam,
    },
    OptimDef {
        name: "adamw",
        about: "AdamW (decoupled weight decay)",
        lr: 1e-3,
        momentum: 0.0,
        weight_decay: 1e-2,
        nesterov: false,
        takes: ADAM_TAKES,
        state: &["m", "v"],
        rule: adamw,
    },
    OptimDef {
        name: "rmsprop",
        about: "RMSprop",
        lr: 1e-2,
        momentum: 0.0,
        weight_decay: 0.0,
        nesterov: false,
        takes: &[
            Hyper::Lr,
            Hyper::Momentum,
            Hyper::Alpha,
            Hyper::Eps,
            Hyper::WeightDecay,
            Hyper::Centered,
        ],
        state: &["square_avg", "grad_avg", "buf"],
        rule: rmsprop,
    },
];

/// The entry named `name`.
pub fn find(name: &str) -> Option<&'static OptimDef> {
    OPTIMIZERS.iter().find(|d| d.name == name)
}

/// `torch.lerp(a, b, w)` as PyTorch computes it (two forms, for accuracy
/// near either end).
fn lerp(a: f64, b: f64, w: f64) -> f64 {
    match w.abs() < 0.5 {
        true => a + w * (b - a),
        false => b - (b - a) * (1.0 - w),
    }
}

/// `grad.add(param, alpha=weight_decay)`: L2 weight decay in the gradient.
fn decayed(h: &Hyperparameters, p: f64, g: f64, ex: &mut Option<&mut Explain<'_>>) -> f64 {
    if h.weight_decay == 0.0 {
        return g;
    }
    let d = g + h.weight_decay * p;
    if let Some(e) = ex {
        let (n, num) = (e.name, e.num);
        e.line(format_args!(
            "g = ∂L/∂{n} + λ·{n} = {} + {}·{} = {}",
            num(g),
            num(h.weight_decay),
            paren(num, p),
            num(d)
        ));
    }
    d
}

/// torch.optim.SGD: weight decay, then the momentum buffer (the gradient
/// itself at the first step, then μ·buf + (1−τ)·g), Nesterov's g + μ·buf,
/// then w − η·g.
fn sgd(
    h: &Hyperparameters,
    _t: u64,
    p: f64,
    g: f64,
    st: &mut State,
    mut ex: Option<&mut Explain<'_>>,
) -> f64 {
    let mut d = decayed(h, p, g, &mut ex);
    let plain = d == g;
    if h.momentum != 0.0 {
        let buf = match st.started {
            false => d,
            true => st.s[0] * h.momentum + (1.0 - h.dampening) * d,
        };
        if let Some(e) = &mut ex {
            let num = e.num;
            match st.started {
                false => e.line(format_args!("buf = g = {}   [first step]", num(d))),
                true => e.line(format_args!(
                    "buf = μ·buf + (1−τ)·g = {}·{} + {}·{} = {}",
                    num(h.momentum),
                    paren(num, st.s[0]),
                    num(1.0 - h.dampening),
                    paren(num, d),
                    num(buf)
                )),
            }
        }
        st.s[0] = buf;
        d = match h.nesterov {
            true => {
                let n = d + h.momentum * buf;
                if let Some(e) = &mut ex {
                    let num = e.num;
                    e.line(format_args!(
                        "g = g + μ·buf = {} + {}·{} = {}   [Nesterov]",
                        num(d),
                        num(h.momentum),
                        paren(num, buf),
                        num(n)
                    ));
                }
                n
            }
            false => buf,
        };
    }
    st.started = true;
    let new = p + -h.lr * d;
    if let Some(e) = ex {
        let (n, num) = (e.name, e.num);
        let what = match (h.momentum != 0.0, plain) {
            (true, _) => "buf".to_string(),
            (false, true) => format!("∂L/∂{n}"),
            (false, false) => "g".to_string(),
        };
        let what = match h.nesterov {
            true => "g".to_string(),
            false => what,
        };
        e.line(format_args!(
            "{n} ← {n} − η·{what} = {} − {}·{} = {}",
            num(p),
            num(h.lr),
            paren(num, d),
            num(new)
        ));
    }
    new
}

/// torch.optim.Adam with weight decay added to the gradient.
fn adam(
    h: &Hyperparameters,
    t: u64,
    p: f64,
    g: f64,
    st: &mut State,
    mut ex: Option<&mut Explain<'_>>,
) -> f64 {
    let d = decayed(h, p, g, &mut ex);
    adam_update(h, t, p, d, st, ex)
}

/// torch.optim.AdamW: the weight decays first, w·(1 − η·λ), then Adam's step
/// with the plain gradient.
fn adamw(
    h: &Hyperparameters,
    t: u64,
    p: f64,
    g: f64,
    st: &mut State,
    mut ex: Option<&mut Explain<'_>>,
) -> f64 {
    let decayed = p * (1.0 - h.lr * h.weight_decay);
    if let Some(e) = &mut ex {
        if h.weight_decay != 0.0 {
            let (n, num) = (e.name, e.num);
            e.line(format_args!(
                "{n} ← {n}·(1 − η·λ) = {}·(1 − {}·{}) = {}   [decoupled weight decay]",
                paren(num, p),
                num(h.lr),
                num(h.weight_decay),
                num(decayed)
            ));
        }
    }
    adam_update(h, t, decayed, g, st, ex)
}

/// Adam's moments and step, in PyTorch's order: m ← lerp(m, g, 1−β1),
/// v ← β2·v + (1−β2)·g², then w − (η/(1−β1ᵗ))·m/(√v/√(1−β2ᵗ) + ε): ε is
/// added after the square root, to the bias-corrected root.
fn adam_update(
    h: &Hyperparameters,
    t: u64,
    p: f64,
    g: f64,
    st: &mut State,
    ex: Option<&mut Explain<'_>>,
) -> f64 {
    let (b1, b2) = h.betas;
    let m = lerp(st.s[0], g, 1.0 - b1);
    let v = st.s[1] * b2 + (1.0 - b2) * g * g;
    let bc1 = 1.0 - b1.powf(t as f64);
    let bc2 = 1.0 - b2.powf(t as f64);
    let step_size = h.lr / bc1;
    let denom = v.sqrt() / bc2.sqrt() + h.eps;
    let new = p + -step_size * (m / denom);
    if let Some(e) = ex {
        let (n, num) = (e.name, e.num);
        e.line(format_args!(
            "m_{n} = β1·m_{n} + (1−β1)·∂L/∂{n} = {}·{} + {}·{} = {}",
            num(b1),
            paren(num, st.s[0]),
            num(1.0 - b1),
            paren(num, g),
            num(m)
        ));
        e.line(format_args!(
            "v_{n} = β2·v_{n} + (1−β2)·(∂L/∂{n})² = {}·{} + {}·{}² = {}",
            num(b2),
            paren(num, st.s[1]),
            num(1.0 - b2),
            paren(num, g),
            num(v)
        ));
        let m_hat = m / bc1;
        let v_hat = v / bc2;
        e.line(format_args!(
            "m̂_{n} = m_{n}/(1−β1^{t}) = {}/{} = {}",
            paren(num, m),
            num(bc1),
            num(m_hat)
        ));
        e.line(format_args!(
            "v̂_{n} = v_{n}/(1−β2^{t}) = {}/{} = {}",
            num(v),
            num(bc2),
            num(v_hat)
        ));
        e.line(format_args!(
            "{n} ← {n} − η·m̂_{n}/(√v̂_{n} + ε) = {} − {}·{}/({} + {}) = {}",
            num(p),
            num(h.lr),
            paren(num, m_hat),
            num(v_hat.sqrt()),
            num(h.eps),
            num(new)
        ));
    }
    st.s[0] = m;
    st.s[1] = v;
    st.started = true;
    new
}

/// torch.optim.RMSprop: weight decay, the average of squares (and of
/// gradients when centered), then w − η·g/(√avg + ε), through a momentum
/// buffer when momentum > 0.
fn rmsprop(
    h: &Hyperparameters,
    _t: u64,
    p: f64,
    g: f64,
    st: &mut State,
    mut ex: Option<&mut Explain<'_>>,
) -> f64 {
    let d = decayed(h, p, g, &mut ex);
    let a = h.alpha;
    let square_avg = st.s[0] * a + (1.0 - a) * d * d;
    if let Some(e) = &mut ex {
        let num = e.num;
        e.line(format_args!(
            "s = α·s + (1−α)·g² = {}·{} + {}·{}² = {}",
            num(a),
            num(st.s[0]),
            num(1.0 - a),
            paren(num, d),
            num(square_avg)
        ));
    }
    st.s[0] = square_avg;
    let avg = if h.centered {
        let grad_avg = lerp(st.s[1], d, 1.0 - a);
        let centered = square_avg - grad_avg * grad_avg;
        if let Some(e) = &mut ex {
            let num = e.num;
            e.line(format_args!(
                "ḡ = α·ḡ + (1−α)·g = {}·{} + {}·{} = {}   [centered]",
                num(a),
                paren(num, st.s[1]),
                num(1.0 - a),
                paren(num, d),
                num(grad_avg)
            ));
            e.line(format_args!(
                "s − ḡ² = {} − {}² = {}",
                num(square_avg),
                paren(num, grad_avg),
                num(centered)
            ));
        }
        st.s[1] = grad_avg;
        centered.sqrt()
    } else {
        square_avg.sqrt()
    };
    let avg = avg + h.eps;
    let root = if h.centered {
        "√(s − ḡ²)"
    } else {
        "√s"
    };
    let new = if h.momentum > 0.0 {
        let buf = st.s[2] * h.momentum + d / avg;
        if let Some(e) = &mut ex {
            let num = e.num;
            e.line(format_args!(
                "buf = μ·buf + g/({root} + ε) = {}·{} + {}/{} = {}",
                num(h.momentum),
                paren(num, st.s[2]),
                paren(num, d),
                num(avg),
                num(buf)
            ));
        }
        st.s[2] = buf;
        p + -h.lr * buf
    } else {
        p + -h.lr * (d / avg)
    };
    if let Some(e) = ex {
        let (n, num) = (e.name, e.num);
        let root = if h.centered {
            "√(s − ḡ²)"
        } else {
            "√s"
        };
        match h.momentum > 0.0 {
            true => e.line(format_args!(
                "{n} ← {n} − η·buf = {} − {}·{} = {}",
                num(p),
                num(h.lr),
                paren(num, st.s[2]),
                num(new)
            )),
            false => e.line(format_args!(
                "{n} ← {n} − η·g/({root} + ε) = {} − {}·{}/{} = {}",
                num(p),
                num(h.lr),
                paren(num, d),
                num(avg),
                num(new)
            )),
        }
    }
    st.started = true;
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hyper(def: &OptimDef) -> Hyperparameters {
        Hyperparameters {
            lr: def.lr,
            momentum: def.momentum,
            dampening: 0.0,
            weight_decay: def.weight_decay,
            betas: (0.9, 0.999),
            eps: 1e-8,
            alpha: 0.99,
            centered: false,
            nesterov: def.nesterov,
        }
    }

    /// Two steps of each optimizer from w = 0.5 with gradients 0.2 then −0.1,
    /// by hand from PyTorch's formulas.
    #[test]
    fn two_steps_by_hand() {
        let cases: &[(&str, f64, f64)] = &[
            // sgd: 0.5 − 0.001·0.2 = 0.4998, then + 0.001·0.1.
            ("sgd", 0.4998, 0.4999),
            // momentum: buf 0.2; then 0.9·0.2 − 0.1 = 0.08.
            ("momentum", 0.4998, 0.4998 - 0.001 * 0.08),
            // nesterov: g + 0.9·buf: 0.38, then −0.1 + 0.9·0.08 = −0.028.
            (
                "nesterov",
                0.5 - 0.001 * 0.38,
                0.5 - 0.001 * 0.38 + 0.001 * 0.028,
            ),
        ];
        for &(name, one, two) in cases {
            let def = find(name).expect("in the table");
            let h = hyper(def);
            let mut st = State::default();
            let p1 = (def.rule)(&h, 1, 0.5, 0.2, &mut st, None);
            let p2 = (def.rule)(&h, 2, p1, -0.1, &mut st, None);
            assert!((p1 - one).abs() < 1e-15, "{name}: {p1} vs {one}");
            assert!((p2 - two).abs() < 1e-15, "{name}: {p2} vs {two}");
        }
        // Adam's first step moves by lr·sign(g) (up to ε).
        let def = find("adam").expect("in the table");
        let mut st = State::default();
        let p1 = (def.rule)(&hyper(def), 1, 0.5, 0.2, &mut st, None);
        assert!((p1 - (0.5 - 0.001)).abs() < 1e-10, "{p1}");
        // RMSprop's first: s = 0.01·g², so the step is lr·g/(0.1|g| + ε) ≈ 0.1.
        let def = find("rmsprop").expect("in the table");
        let mut st = State::default();
        let p1 = (def.rule)(&hyper(def), 1, 0.5, 0.2, &mut st, None);
        assert!((p1 - (0.5 - 0.1)).abs() < 1e-7, "{p1}");
    }

    #[test]
    fn lerp_as_torch() {
        assert_eq!(lerp(1.0, 3.0, 0.25), 1.5);
        assert_eq!(lerp(1.0, 3.0, 0.75), 2.5);
        assert_eq!(lerp(0.0, 1.0, 1.0), 1.0);
    }
}
