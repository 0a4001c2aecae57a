//! `--format svg`: a picture of the graph, laid out and drawn by the tool
//! (no Graphviz). One box per node in micrograd's draw_dot manner — the
//! name in a coloured band, then the operation and its definition, the
//! value and the gradient — and edges from inputs to their uses, from the
//! inputs (left) to the output (right, in a thicker box). The layout is
//! [`super::layout`]'s.
//!
//! Several points make one document with one titled panel each, stacked
//! top to bottom, so that any viewer opens them as one picture. The
//! document's size comes first in SVG, so the panels are kept until the
//! end; [`MAX_NODES`] and [`MAX_PANELS`] bound what that holds.

use super::layout;
use super::View;
use crate::error::Result;
use crate::report::sink::{Failed, Frame, Point, Sink};
use std::fmt::Write as _;
use std::io::{self, Write};

/// The most nodes one picture draws: beyond, boxes are too many to read
/// and the file too big to open; the data formats have no such limit.
pub const MAX_NODES: usize = 2_000;
/// The most points (panels) one document holds.
pub const MAX_PANELS: usize = 100;

/// Whether a document of `panels` pictures of up to `nodes` nodes each is
/// within [`MAX_NODES`] and [`MAX_PANELS`].
pub fn check_size(nodes: usize, panels: usize) -> Result<()> {
    use crate::error::{Error, ErrorKind};
    if nodes > MAX_NODES {
        return Err(Error::new(ErrorKind::Limit(format!(
            "--format svg draws at most {} nodes, and this graph has {}; use --format dot, json or csv",
            grouped(MAX_NODES),
            grouped(nodes),
        ))));
    }
    if panels > MAX_PANELS {
        return Err(Error::new(ErrorKind::Limit(format!(
            "--format svg draws at most {MAX_PANELS} points in one picture; use --format csv or json for more"
        ))));
    }
    Ok(())
}

/// Fonts, best first; every one is monospace, and widths are measured as
/// if the widest of them (and a proportional fallback for the rare
/// character none has) drew the text, so that text fits its box.
const FONTS: &str = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";
const FONT_SIZE: f64 = 12.0;
const NAME_SIZE: f64 = 13.0;
const TITLE_SIZE: f64 = 14.0;
const LINE: f64 = 17.0;
const BAND: f64 = 22.0;
const PAD_X: f64 = 10.0;
const PAD_BOTTOM: f64 = 7.0;
const MARGIN: f64 = 16.0;
const TITLE_HEIGHT: f64 = 30.0;
/// A longer line is wrapped (a name alone is cut with `…`; a number never
/// is); the whole label is the box's tooltip.
const MAX_CHARS: usize = 48;
/// The most lines a definition wraps to; beyond, it ends with `…` after a
/// whole piece.
const MAX_WHAT_LINES: usize = 3;

const EDGE: &str = "#64748b";
const INK: &str = "#1e293b";
const GRAD_INK: &str = "#9f1239";

/// A line of text in a box: its id's suffix (`what`, `grad2`), the text
/// and its ink.
type Row = (String, String, &'static str);

/// One point's picture, drawn at the origin, before it takes its place in
/// the document.
pub struct Panel {
    body: String,
    width: f64,
    height: f64,
}

/// Text in SVG's character data or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The width of a character in em, at most what any font of [`FONTS`]
/// gives it: 0.6 em for the monospace fonts' own characters (Latin, Greek,
/// Cyrillic, the math and arrow blocks), with a margin; a full em for
/// anything a proportional or wide fallback font may draw; nothing for a
/// combining mark, which sits on the character before it.
fn char_em(c: char) -> f64 {
    match c as u32 {
        0x300..=0x36F | 0x200B..=0x200F | 0xFE00..=0xFE0F => 0.0,
        0x20..=0x52F | 0x1E00..=0x1FFF | 0x2000..=0x2BFF => 0.625,
        _ => 1.0,
    }
}

/// How wide `text` is drawn at `size` pixels, never less than it is.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * size
}

/// `text` cut to [`MAX_CHARS`] characters, with `…` when cut.
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_CHARS - 1) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Whether a piece of a label is (or starts) a number: never cut.
fn numeric(piece: &str) -> bool {
    piece
        .trim_start_matches(['-', '(', ' '])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// `text` in lines of at most [`MAX_CHARS`] characters, broken after a
/// space or an operator, at most `max_lines` of them (the last then ends
/// with `…`). A piece longer than a line is cut with `…` when it is a
/// name, and kept whole (the box widens) when it is a number.
fn wrap(text: &str, max_lines: usize) -> Vec<String> {
    let mut pieces: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, ' ' | '*' | '/' | '^' | '(' | ',') {
            let end = i + c.len_utf8();
            pieces.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for (k, piece) in pieces.iter().enumerate() {
        let fits = line.chars().count() + piece.chars().count() <= MAX_CHARS;
        if !fits && !line.is_empty() {
            if lines.len() + 1 == max_lines {
                line.push('…');
                lines.push(line);
                return lines;
            }
            lines.push(std::mem::take(&mut line));
        }
        if piece.chars().count() > MAX_CHARS && !numeric(piece) {
            line.push_str(&cut(piece));
            if k + 1 < pieces.len() && lines.len() + 1 == max_lines {
                lines.push(line);
                return lines;
            }
            lines.push(std::mem::take(&mut line));
        } else {
            line.push_str(piece);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The gradient line, `∂f/∂name = value`, or when that is too long two:
/// `∂f/∂name =` (the name cut if it must be) and the whole value.
fn grad_lines(f: &str, name: &str, grad: &str) -> Vec<String> {
    let one = format!("∂{f}/∂{name} = {grad}");
    if one.chars().count() <= MAX_CHARS {
        return vec![one];
    }
    vec![cut(&format!("∂{f}/∂{name} =")), grad.to_string()]
}

/// `835346` as `835,346`, for messages.
pub fn grouped(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A coordinate, to a tenth of a pixel.
fn n(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The picture of one point; `title` heads it (the point, among several).
/// `prefix` keeps element ids unique within the document; `direction`
/// is `--layout` (`None`: chosen from the graph's shape).
pub fn panel(
    view: &View<'_>,
    title: Option<&str>,
    prefix: &str,
    direction: Option<layout::Direction>,
) -> Panel {
    let g = view.graph;
    let f = view.output_name();
    let ids: Vec<crate::NodeId> = view.picture_nodes();
    let mut index = vec![usize::MAX; g.len()];
    for (k, &id) in ids.iter().enumerate() {
        index[id as usize] = k;
    }
    // Each box: its name, the whole label (the tooltip), and its rows of
    // text under the band: (id suffix, text, ink).
    let boxes: Vec<(String, String, Vec<Row>)> = ids
        .iter()
        .map(|&id| {
            let l = view.picture_label(id);
            let value = format!("value {}", l.value);
            let tooltip = format!(
                "{}\n{}\n{}\n∂{f}/∂{} = {}",
                l.name, l.what, value, l.name, l.grad
            );
            let mut rows = Vec::new();
            let numbered = |key: &str, k: usize| match k {
                0 => key.to_string(),
                k => format!("{key}{}", k + 1),
            };
            for (k, line) in wrap(&l.what, MAX_WHAT_LINES).into_iter().enumerate() {
                rows.push((numbered("what", k), line, INK));
            }
            rows.push(("value".to_string(), value, INK));
            for (k, line) in grad_lines(&f, &l.name, &l.grad).into_iter().enumerate() {
                rows.push((numbered("grad", k), line, GRAD_INK));
            }
            (l.name, tooltip, rows)
        })
        .collect();
    let sizes: Vec<(f64, f64)> = boxes
        .iter()
        .map(|(name, _, rows)| {
            let name = text_width(&cut(name), NAME_SIZE);
            let widest = rows
                .iter()
                .map(|(_, t, _)| text_width(t, FONT_SIZE))
                .fold(name, f64::max);
            let height = BAND + rows.len() as f64 * LINE + PAD_BOTTOM;
            ((widest + 2.0 * PAD_X).ceil().max(80.0), height)
        })
        .collect();
    let edges: Vec<(usize, usize)> = view
        .picture_edges()
        .into_iter()
        .map(|(a, b)| (index[a as usize], index[b as usize]))
        .collect();
    let at = layout::choose(&sizes, &edges, MARGIN, direction);
    let across = at.direction == layout::Direction::Lr;

    let top = if title.is_some() { TITLE_HEIGHT } else { 0.0 };
    let mut body = String::new();
    if let Some(title) = title {
        let _ = writeln!(
            body,
            "<text id=\"{prefix}title\" x=\"{}\" y=\"{}\" font-size=\"{TITLE_SIZE}\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
            n(MARGIN),
            n(MARGIN + TITLE_SIZE),
            escape(title)
        );
    }
    let _ = writeln!(body, "<g transform=\"translate(0,{})\">", n(top));
    for route in &at.edges {
        let Some(&(x0, y0)) = route.first() else {
            continue;
        };
        let mut d = format!("M{},{}", n(x0), n(y0));
        for pair in route.windows(2) {
            let ((px, py), (qx, qy)) = (pair[0], pair[1]);
            if across && (py - qy).abs() < 0.05 || !across && (px - qx).abs() < 0.05 {
                let _ = write!(d, " L{},{}", n(qx), n(qy));
            } else if !across {
                // Top to bottom: the curve leaves and arrives vertically.
                let dy = (qy - py) / 2.0;
                let _ = write!(
                    d,
                    " C{},{} {},{} {},{}",
                    n(px),
                    n(py + dy),
                    n(qx),
                    n(qy - dy),
                    n(qx),
                    n(qy)
                );
            } else {
                let dx = (qx - px) / 2.0;
                let _ = write!(
                    d,
                    " C{},{} {},{} {},{}",
                    n(px + dx),
                    n(py),
                    n(qx - dx),
                    n(qy),
                    n(qx),
                    n(qy)
                );
            }
        }
        let _ = writeln!(
            body,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{EDGE}\" stroke-width=\"1.3\" marker-end=\"url(#arrow)\"/>"
        );
    }
    for (k, &id) in ids.iter().enumerate() {
        let (x, y) = at.boxes[k];
        let (w, h) = sizes[k];
        let (name, tooltip, rows) = &boxes[k];
        let is_output = id == g.output();
        let band = match g.kind(id) {
            _ if is_output => "#fde68a",
            crate::Kind::Var(_) => "#dcfce7",
            _ => "#dbeafe",
        };
        let stroke = if is_output { 2.5 } else { 1.2 };
        let p = format!("{prefix}n{k}");
        let _ = writeln!(body, "<g>");
        let _ = writeln!(body, "<title>{}</title>", escape(tooltip));
        let _ = writeln!(
            body,
            "<rect id=\"{p}-box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"5\" fill=\"white\" stroke=\"{INK}\" stroke-width=\"{stroke}\"/>",
            n(x), n(y), n(w), n(h)
        );
        // The band's bottom corners are square: a path, not a rounded rect.
        let _ = writeln!(
            body,
            "<path d=\"M{},{} h{} a5,5 0 0 1 5,5 v{} h{} v{} a5,5 0 0 1 5,-5 z\" fill=\"{band}\" stroke=\"{INK}\" stroke-width=\"{stroke}\"/>",
            n(x + 5.0), n(y), n(w - 10.0), n(BAND - 5.0), n(-w), n(5.0 - BAND)
        );
        let tx = n(x + PAD_X);
        let _ = writeln!(
            body,
            "<text id=\"{p}-name\" x=\"{tx}\" y=\"{}\" font-size=\"{NAME_SIZE}\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
            n(y + BAND - 6.5),
            escape(&cut(name))
        );
        for (row, (key, text, ink)) in rows.iter().enumerate() {
            let _ = writeln!(
                body,
                "<text id=\"{p}-{key}\" x=\"{tx}\" y=\"{}\" font-size=\"{FONT_SIZE}\" fill=\"{ink}\">{}</text>",
                n(y + BAND + LINE * (row as f64 + 1.0) - 4.0),
                escape(text)
            );
        }
        let _ = writeln!(body, "</g>");
    }
    let _ = writeln!(body, "</g>");
    let title_width = title.map_or(0.0, |t| text_width(t, TITLE_SIZE) + 2.0 * MARGIN);
    Panel {
        body,
        width: at.width.max(title_width),
        height: at.height + top,
    }
}

/// The panel of a point that could not be evaluated: its title and why.
pub fn failed_panel(title: &str, message: &str, prefix: &str) -> Panel {
    let message = format!("not drawn: {message}");
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<text id=\"{prefix}title\" x=\"{}\" y=\"{}\" font-size=\"{TITLE_SIZE}\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
        n(MARGIN),
        n(MARGIN + TITLE_SIZE),
        escape(title)
    );
    let _ = writeln!(
        body,
        "<text id=\"{prefix}error\" x=\"{}\" y=\"{}\" font-size=\"{FONT_SIZE}\" fill=\"{GRAD_INK}\">{}</text>",
        n(MARGIN),
        n(TITLE_HEIGHT + MARGIN + FONT_SIZE),
        escape(&message)
    );
    Panel {
        body,
        width: text_width(title, TITLE_SIZE).max(text_width(&message, FONT_SIZE)) + 2.0 * MARGIN,
        height: TITLE_HEIGHT + 2.0 * MARGIN + LINE,
    }
}

/// The document: every panel, top to bottom, a rule between two.
pub fn write_document(out: &mut dyn Write, panels: &[Panel]) -> io::Result<()> {
    let width = panels
        .iter()
        .map(|p| p.width)
        .fold(2.0 * MARGIN, f64::max)
        .ceil();
    let height = panels
        .iter()
        .map(|p| p.height)
        .sum::<f64>()
        .max(2.0 * MARGIN)
        .ceil();
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONTS}\">",
        w = n(width),
        h = n(height)
    )?;
    writeln!(
        out,
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{EDGE}\"/></marker></defs>"
    )?;
    writeln!(
        out,
        "<rect width=\"{}\" height=\"{}\" fill=\"white\"/>",
        n(width),
        n(height)
    )?;
    let mut y = 0.0;
    for (i, p) in panels.iter().enumerate() {
        if i > 0 {
            writeln!(
                out,
                "<line x1=\"0\" y1=\"{y}\" x2=\"{w}\" y2=\"{y}\" stroke=\"#cbd5e1\"/>",
                y = n(y),
                w = n(width)
            )?;
        }
        writeln!(out, "<g transform=\"translate(0,{})\">", n(y))?;
        out.write_all(p.body.as_bytes())?;
        writeln!(out, "</g>")?;
        y += p.height;
    }
    writeln!(out, "</svg>")
}

/// One SVG document, a titled panel a point when there may be several. SVG
/// states its size first, so the panels wait for the end (bounded by
/// [`MAX_NODES`] and [`MAX_PANELS`]).
#[derive(Default)]
pub struct Svg {
    several: bool,
    panels: Vec<Panel>,
    /// `--layout` (`None`: chosen from the graph's shape).
    pub layout: Option<crate::report::layout::Direction>,
}

impl Svg {
    fn room_for_another(&self) -> Result<()> {
        check_size(0, self.panels.len() + 1)
    }
}

impl Sink for Svg {
    fn begin(&mut self, _out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.several = frame.several;
        check_size(frame.graph.shown().count(), 0)
    }

    fn point(&mut self, _out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        self.room_for_another()?;
        let title = self
            .several
            .then(|| point.view.graph.describe_point(point.values));
        let prefix = format!("p{}-", self.panels.len());
        self.panels
            .push(panel(&point.view, title.as_deref(), &prefix, self.layout));
        Ok(())
    }

    fn failed(&mut self, _out: &mut dyn Write, point: &Failed<'_>) -> Result<()> {
        self.room_for_another()?;
        let title = point.graph.describe_point(point.values);
        let prefix = format!("p{}-", self.panels.len());
        let message = point.error.kind.to_string();
        self.panels.push(failed_panel(&title, &message, &prefix));
        Ok(())
    }

    /// Written even after an error, so that the file is a whole picture of
    /// the points before it; nothing when no point came.
    fn end(&mut self, out: &mut dyn Write, _points: usize, complete: bool) -> Result<()> {
        if complete || !self.panels.is_empty() {
            write_document(out, &self.panels)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;

    fn picture(source: &str, point: &[f64], digits: Option<usize>, title: Option<&str>) -> String {
        let graph = crate::parse::parse_program(source)
            .and_then(|p| Graph::lower(p, None))
            .unwrap_or_else(|e| panic!("{source}: {e:?}"));
        let eval = graph
            .evaluate(point, false)
            .unwrap_or_else(|e| panic!("{source}: {e:?}"));
        let view = View {
            graph: &graph,
            eval: &eval,
            digits,
        };
        let mut out = Vec::new();
        write_document(&mut out, &[panel(&view, title, "p0-", None)])
            .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The text of the element with `id`.
    fn text_of<'a>(svg: &'a str, id: &str) -> &'a str {
        let start = svg
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no {id} in\n{svg}"));
        let rest = &svg[start..];
        let open = rest.find('>').unwrap_or_else(|| panic!("{id}")) + 1;
        let close = rest.find("</text>").unwrap_or_else(|| panic!("{id}"));
        &rest[open..close]
    }

    #[test]
    fn lecture_labels() {
        let svg = picture("(2*x+y^2)*z^3", &[4.0, 3.0, 2.0], None, None);
        assert!(svg.starts_with("<?xml"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
        // Boxes in evaluation order: x y z g1 g2 g3 g4 f.
        let cases = [
            ("p0-n0", ["x", "var", "value 4", "∂f/∂x = 16"]),
            ("p0-n3", ["g1", "mul: 2*x", "value 8", "∂f/∂g1 = 8"]),
            ("p0-n6", ["g4", "add: g1 + g2", "value 17", "∂f/∂g4 = 8"]),
            ("p0-n7", ["f", "mul: g4*g3", "value 136", "∂f/∂f = 1"]),
        ];
        for (p, [name, what, value, grad]) in cases {
            assert_eq!(text_of(&svg, &format!("{p}-name")), name);
            assert_eq!(text_of(&svg, &format!("{p}-what")), what);
            assert_eq!(text_of(&svg, &format!("{p}-value")), value);
            assert_eq!(text_of(&svg, &format!("{p}-grad")), grad);
        }
        assert_eq!(svg.matches("-box\"").count(), 8);
        assert_eq!(svg.matches("marker-end").count(), 7);
        // Only the output's box is drawn thick.
        assert_eq!(
            svg.matches("stroke-width=\"2.5\"").count(),
            2,
            "box and band"
        );
    }

    #[test]
    fn text_is_escaped_and_cut() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("\u{1}x"), "\u{FFFD}x");
        let long = "y".repeat(100);
        assert_eq!(cut(&long).chars().count(), MAX_CHARS);
        assert!(cut(&long).ends_with('…'));
        assert_eq!(cut("short"), "short");
        let svg = picture("f = x/3", &[1.0], Some(3), Some("at x=1 & <y>"));
        assert_eq!(text_of(&svg, "p0-title"), "at x=1 &amp; &lt;y&gt;");
        assert_eq!(text_of(&svg, "p0-n1-value"), "value 0.333");
    }

    #[test]
    fn counts_are_grouped() {
        for (count, text) in [(0, "0"), (999, "999"), (2000, "2,000"), (835346, "835,346")] {
            assert_eq!(grouped(count), text);
        }
    }

    #[test]
    fn widths_are_conservative() {
        // DejaVu Sans Mono draws every one of these at 0.602 em.
        for (text, at_least) in [("abc", 3.0), ("∂f/∂x", 5.0), ("ŷ", 1.0), ("σ(z)", 4.0)] {
            assert!(text_width(text, 10.0) >= at_least * 6.02, "{text}");
        }
        // A combining accent takes no room; a CJK character a full em.
        assert_eq!(text_width("y\u{302}", 10.0), text_width("y", 10.0));
        assert_eq!(text_width("変", 10.0), 10.0);
    }
}
