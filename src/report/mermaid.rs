//! `--format mermaid`: a Mermaid flowchart, which Markdown viewers render.
//! One box per node (name, operation and definition, value, gradient);
//! edges from inputs to their uses, laid out from the inputs (left) to the
//! output (right).

use super::View;
use crate::error::Result;
use crate::report::sink::{Frame, Point, Sink};
use std::io::{self, Write};

/// Escapes text for a quoted label (`["…"]`): a quote would end it, and
/// `#`, `&`, `<`, `>` and a backquote are Mermaid's or HTML's markup, so
/// each becomes one of Mermaid's entity codes (`#quot;`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            _ => out.push(c),
        }
    }
    out
}

/// A YAML double-quoted string, for the title in the front matter.
fn yaml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One flowchart; `title` heads it (the point, when there are several).
pub fn write(
    out: &mut dyn Write,
    view: &View<'_>,
    title: Option<&str>,
    direction: Option<super::layout::Direction>,
) -> io::Result<()> {
    let g = view.graph;
    let f = view.output_name();
    if let Some(title) = title {
        writeln!(out, "---\ntitle: {}\n---", yaml_string(title))?;
    }
    let across = direction != Some(super::layout::Direction::Tb);
    writeln!(out, "flowchart {}", if across { "LR" } else { "TB" })?;
    for id in view.picture_nodes() {
        let l = view.picture_label(id);
        writeln!(
            out,
            "  n{id}[\"{name}<br/>{}<br/>value {}<br/>∂{}/∂{name} = {}\"]",
            escape(&l.what),
            escape(&l.value),
            escape(&f),
            escape(&l.grad),
            name = escape(&l.name),
        )?;
    }
    for (input, id) in view.picture_edges() {
        writeln!(out, "  n{input} --> n{id}")?;
    }
    writeln!(out, "  classDef output stroke-width:3px")?;
    writeln!(out, "  class n{} output", g.output())
}

/// A Mermaid flowchart a point, separated by a blank line; several are
/// each titled with their point.
#[derive(Default)]
pub struct Mermaid {
    several: bool,
    written: bool,
    /// `--layout`: the flowchart's direction (left to right without it).
    pub layout: Option<crate::report::layout::Direction>,
}

impl Sink for Mermaid {
    fn begin(&mut self, _out: &mut dyn Write, frame: &Frame<'_>) -> Result<()> {
        self.several = frame.several;
        Ok(())
    }

    fn point(&mut self, out: &mut dyn Write, point: &Point<'_>) -> Result<()> {
        if std::mem::replace(&mut self.written, true) {
            writeln!(out)?;
        }
        let title = self
            .several
            .then(|| point.view.graph.describe_point(point.values));
        write(out, &point.view, title.as_deref(), self.layout)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;

    /// The flowchart of `source` at `point`, rounded to `digits`.
    fn chart(source: &str, point: &[f64], digits: Option<usize>, title: Option<&str>) -> String {
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
        write(&mut out, &view, title, None).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The structure a renderer relies on: every node line is
    /// `  nK["…"]` with no raw quote inside, every edge joins declared
    /// nodes, and the output class names a declared node.
    fn check_structure(text: &str) {
        let mut nodes = Vec::new();
        let mut body = text;
        if let Some(rest) = text.strip_prefix("---\n") {
            let end = rest.find("\n---\n").unwrap_or_else(|| panic!("{text}"));
            body = &rest[end + 5..];
        }
        let mut lines = body.lines();
        assert_eq!(lines.next(), Some("flowchart LR"), "{text}");
        for line in lines {
            let line = line
                .strip_prefix("  ")
                .unwrap_or_else(|| panic!("not indented: {line}"));
            let is_id = |s: &str| {
                s.strip_prefix('n')
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            };
            if let Some((a, b)) = line.split_once(" --> ") {
                assert!(nodes.contains(&a) && nodes.contains(&b), "{line}");
            } else if let Some(id) = line.strip_prefix("class ") {
                let id = id
                    .strip_suffix(" output")
                    .unwrap_or_else(|| panic!("{line}"));
                assert!(nodes.contains(&id), "{line}");
            } else if line != "classDef output stroke-width:3px" {
                let (id, label) = line.split_once("[\"").unwrap_or_else(|| panic!("{line}"));
                let label = label
                    .strip_suffix("\"]")
                    .unwrap_or_else(|| panic!("{line}"));
                assert!(is_id(id), "{line}");
                assert!(!label.contains('"'), "{line}");
                assert_eq!(label.matches("<br/>").count(), 3, "{line}");
                nodes.push(id);
            }
        }
        assert!(!nodes.is_empty(), "{text}");
    }

    #[test]
    fn small_graph_exactly() {
        assert_eq!(
            chart("f = 2*x", &[3.0], None, None),
            "flowchart LR\n\
             \x20 n0[\"x<br/>var<br/>value 3<br/>∂f/∂x = 2\"]\n\
             \x20 n2[\"f<br/>mul: 2*x<br/>value 6<br/>∂f/∂f = 1\"]\n\
             \x20 n0 --> n2\n\
             \x20 classDef output stroke-width:3px\n\
             \x20 class n2 output\n"
        );
    }

    #[test]
    fn lecture_example() {
        let text = chart("(2*x+y^2)*z^3", &[4.0, 3.0, 2.0], None, None);
        check_structure(&text);
        for needle in [
            "x<br/>var<br/>value 4<br/>∂f/∂x = 16\"]",
            "y<br/>var<br/>value 3<br/>∂f/∂y = 48\"]",
            "z<br/>var<br/>value 2<br/>∂f/∂z = 204\"]",
            "g1<br/>mul: 2*x<br/>value 8<br/>∂f/∂g1 = 8\"]",
            "g4<br/>add: g1 + g2<br/>value 17<br/>∂f/∂g4 = 8\"]",
            "f<br/>mul: g4*g3<br/>value 136<br/>∂f/∂f = 1\"]",
        ] {
            assert!(text.contains(needle), "{needle} in\n{text}");
        }
        assert_eq!(text.matches("[\"").count(), 8, "{text}");
        assert_eq!(text.matches(" --> ").count(), 7, "{text}");
        // The output is the one node styled.
        let f = text
            .lines()
            .find(|l| l.contains("[\"f<br/>"))
            .and_then(|l| l.trim().split('[').next())
            .unwrap_or_else(|| panic!("{text}"));
        assert!(text.ends_with(&format!("  class {f} output\n")), "{text}");
    }

    #[test]
    fn digits_round_the_labels() {
        let text = chart("f = x/3", &[1.0], Some(3), None);
        assert!(text.contains("value 0.333<br/>"), "{text}");
    }

    #[test]
    fn unusual_characters_are_escaped() {
        let text = chart("ŷ = α^2\nL = (ŷ - y)^2", &[3.0, 1.0], None, None);
        check_structure(&text);
        assert!(
            text.contains("[\"ŷ<br/>pow: α^2<br/>value 9<br/>∂L/∂ŷ = 16\"]"),
            "{text}"
        );
        assert_eq!(escape("a\"b#c&d<e>f`"), "a#quot;b#35;c#amp;d#lt;e#gt;f#96;");
    }

    #[test]
    fn titled_with_front_matter() {
        let text = chart("x^2", &[4.0], None, Some("at x=4"));
        assert!(
            text.starts_with("---\ntitle: \"at x=4\"\n---\nflowchart LR\n"),
            "{text}"
        );
        check_structure(&text);
        assert_eq!(yaml_string("a\"b\\"), "\"a\\\"b\\\\\"");
    }
}
