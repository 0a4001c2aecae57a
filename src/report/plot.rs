//! `--plot`: the loss curve of a training run, as text under the log.

use crate::number;

/// The characters of the plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotStyle {
    Unicode,
    /// For terminals without Unicode: the same drawing in `+-|/\`.
    Ascii,
}

impl PlotStyle {
    /// Unicode when the locale says UTF-8 (`LC_ALL`, `LC_CTYPE`, `LANG`, the
    /// first one set), ASCII otherwise.
    pub fn from_env() -> Self {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .unwrap_or_default()
            .to_ascii_lowercase();
        match locale.contains("utf-8") || locale.contains("utf8") {
            true => PlotStyle::Unicode,
            false => PlotStyle::Ascii,
        }
    }
}

/// The loss curve's size: wide enough to see a trend, short enough to fit
/// beside the log in an 80-column terminal.
pub const PLOT_WIDTH: u32 = 60;
pub const PLOT_HEIGHT: u32 = 12;

/// The loss curve, one value a step, [`PLOT_WIDTH`] × [`PLOT_HEIGHT`]
/// (rasciigraph; its box-drawing characters become `+-|` in ASCII).
pub fn plot(losses: &[f64], style: PlotStyle, name: &str) -> String {
    let (min, max) = losses
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    if losses.len() < 2 || !(min.is_finite() && max.is_finite()) {
        return format!(
            "(a curve of {name} needs two steps or more; this run took {})\n",
            losses.len()
        );
    }
    // rasciigraph scales to whole rows from the values themselves: a curve
    // far from zero compared with its range would need billions of rows.
    if max - min <= max.abs().max(min.abs()) * 1e-6 {
        return format!(
            "({name} stays at {} within 1e-6 over the {} steps: a flat line)\n",
            number::format(min),
            losses.len()
        );
    }
    let width = PLOT_WIDTH.min(losses.len().max(2) as u32);
    let config = rasciigraph::Config::default()
        .with_height(PLOT_HEIGHT)
        .with_width(width)
        .with_caption(format!("{name} at each of the {} steps", losses.len()));
    let text = rasciigraph::plot(losses.to_vec(), config);
    let text = match style {
        PlotStyle::Unicode => text,
        PlotStyle::Ascii => text
            .chars()
            .map(|c| match c {
                '─' => '-',
                '│' => '|',
                '┤' | '┼' => '+',
                '╭' | '╯' => '/',
                '╮' | '╰' => '\\',
                other => other,
            })
            .collect(),
    };
    let mut text = text.trim_end().to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plot_in_both_styles() {
        let losses: Vec<f64> = (0..40).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let unicode = plot(&losses, PlotStyle::Unicode, "L");
        assert!(
            unicode.contains('┤') && unicode.contains("L at each of the 40 steps"),
            "{unicode}"
        );
        let ascii = plot(&losses, PlotStyle::Ascii, "L");
        assert!(ascii.is_ascii(), "{ascii}");
        assert_eq!(ascii.lines().count(), unicode.lines().count());
        assert!(plot(&[1.0], PlotStyle::Ascii, "L").contains("this run took 1"));
        assert!(plot(&[1e9, 1e9 + 1e-3], PlotStyle::Ascii, "L").contains("flat line"));
    }
}
