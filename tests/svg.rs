//! `--format svg`: the pictures rendered with a real renderer (resvg, in
//! process) and checked as a reader would look at them: not blank, every
//! label inside the canvas and inside its own box, no two labels or boxes
//! overlapping; and, where Chromium is installed, in a browser too.
//!
//! Fonts: the text is laid out with DejaVu Sans Mono, the first of the
//! picture's fonts, shipped in `tests/fonts/` (its licence beside it), so
//! the tests need no font package.

mod common;

use common::{run, run_with_stdin};
use resvg::tiny_skia::{self, Pixmap};
use resvg::usvg::{self, Node, Rect};
use std::collections::HashMap;

/// A picture parsed and laid out by usvg with the system's fonts.
struct Picture {
    tree: usvg::Tree,
    /// Every text element by its id, with its text and box on the canvas.
    texts: HashMap<String, (String, Rect)>,
    /// Every node's box (`…-box`), by id.
    boxes: HashMap<String, Rect>,
}

fn options() -> usvg::Options<'static> {
    let mut options = usvg::Options::default();
    // The picture's first font, shipped with the tests so that every machine
    // lays the text out the same, with no font package to install.
    let fonts = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fonts");
    options.fontdb_mut().load_fonts_dir(fonts);
    let has_dejavu = options.fontdb.faces().any(|f| {
        f.families
            .iter()
            .any(|(name, _)| name == "DejaVu Sans Mono")
    });
    assert!(
        has_dejavu,
        "these tests lay out text with DejaVu Sans Mono, from tests/fonts/"
    );
    options
}

fn parse(svg: &str) -> Picture {
    let tree = usvg::Tree::from_str(svg, &options())
        .unwrap_or_else(|e| panic!("not a valid SVG ({e}):\n{svg}"));
    let mut texts = HashMap::new();
    let mut boxes = HashMap::new();
    // An explicit stack: the tree is a few groups deep, but no recursion.
    let mut stack: Vec<&usvg::Group> = vec![tree.root()];
    while let Some(group) = stack.pop() {
        for node in group.children() {
            match node {
                Node::Group(g) => stack.push(g),
                Node::Text(t) => {
                    let text: String = t.chunks().iter().map(|c| c.text()).collect();
                    texts.insert(t.id().to_string(), (text, t.abs_bounding_box()));
                }
                Node::Path(p) if p.id().ends_with("-box") => {
                    boxes.insert(p.id().to_string(), p.abs_bounding_box());
                }
                _ => {}
            }
        }
    }
    Picture { tree, texts, boxes }
}

fn overlap(a: &Rect, b: &Rect) -> bool {
    a.left() < b.right() && b.left() < a.right() && a.top() < b.bottom() && b.top() < a.bottom()
}

fn inside(inner: &Rect, outer: &Rect) -> bool {
    inner.left() >= outer.left()
        && inner.right() <= outer.right()
        && inner.top() >= outer.top()
        && inner.bottom() <= outer.bottom()
}

/// What a reader needs: every label inside the canvas and inside its box,
/// no two labels and no two boxes overlapping, and ink on the canvas.
#[track_caller]
fn check_readable(svg: &str, nodes: usize) -> Picture {
    let picture = parse(svg);
    let size = picture.tree.size();
    let canvas = Rect::from_xywh(0.0, 0.0, size.width(), size.height())
        .unwrap_or_else(|| panic!("empty canvas"));
    assert_eq!(picture.boxes.len(), nodes, "boxes");
    let labels: Vec<(&String, &(String, Rect))> = picture.texts.iter().collect();
    assert!(
        labels.len() >= 4 * nodes,
        "{} labels for {nodes} nodes",
        labels.len()
    );
    for (id, (text, rect)) in &labels {
        assert!(!text.is_empty(), "{id} is empty");
        assert!(
            rect.width() > 0.0,
            "{id} `{text}` was not laid out (no font?)"
        );
        assert!(
            inside(rect, &canvas),
            "{id} `{text}` {rect:?} outside the canvas {size:?}"
        );
        if let Some((node, _)) = id.rsplit_once('-') {
            if let Some(b) = picture.boxes.get(&format!("{node}-box")) {
                assert!(
                    inside(rect, b),
                    "{id} `{text}` {rect:?} sticks out of its box {b:?}"
                );
            }
        }
    }
    // Sorted by left edge, so that only labels that could meet are compared.
    let mut by_left: Vec<_> = labels.iter().map(|(id, (t, r))| (*id, t, *r)).collect();
    by_left.sort_by(|a, b| a.2.left().total_cmp(&b.2.left()));
    for (i, (id, text, r)) in by_left.iter().enumerate() {
        for (id2, text2, r2) in &by_left[i + 1..] {
            if r2.left() >= r.right() {
                break;
            }
            assert!(
                !overlap(r, r2),
                "`{text}` ({id}) overlaps `{text2}` ({id2})"
            );
        }
    }
    let boxes: Vec<(&String, &Rect)> = picture.boxes.iter().collect();
    for (i, (id, b)) in boxes.iter().enumerate() {
        assert!(inside(b, &canvas), "{id} outside the canvas");
        for (id2, b2) in &boxes[i + 1..] {
            assert!(!overlap(b, b2), "boxes {id} and {id2} overlap");
        }
    }
    let pixmap = render(&picture.tree);
    let pixels = pixmap.pixels();
    let painted = pixels
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) != (255, 255, 255))
        .count();
    let dark = pixels
        .iter()
        .filter(|p| u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue()) < 200)
        .count();
    assert!(
        painted * 50 > pixels.len(),
        "blank: {painted} of {} pixels painted",
        pixels.len()
    );
    assert!(
        dark > 100 * nodes,
        "hardly any text or lines: {dark} dark pixels"
    );
    picture
}

fn render(tree: &usvg::Tree) -> Pixmap {
    let size = tree.size().to_int_size();
    let mut pixmap = Pixmap::new(size.width(), size.height()).unwrap_or_else(|| panic!("size"));
    resvg::render(tree, tiny_skia::Transform::identity(), &mut pixmap.as_mut());
    pixmap
}

#[track_caller]
fn svg(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--format", "svg"]);
    let r = run(&all);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.stdout
}

/// The text of every label, by id.
fn text<'a>(p: &'a Picture, id: &str) -> &'a str {
    p.texts
        .get(id)
        .map_or_else(|| panic!("no {id}"), |(t, _)| t.as_str())
}

#[test]
fn the_lecture_example() {
    let out = svg(&["(2*x+y^2)*z^3", "--at", "x=4,y=3,z=2"]);
    let p = check_readable(&out, 8);
    // Every node's name, operation, value and gradient, as in the table.
    let mut labels: Vec<[&str; 4]> = (0..8)
        .map(|k| {
            let t = |key: &str| text(&p, &format!("p0-n{k}-{key}"));
            [t("name"), t("what"), t("value"), t("grad")]
        })
        .collect();
    labels.sort();
    let mut expected = vec![
        ["x", "var", "value 4", "∂f/∂x = 16"],
        ["y", "var", "value 3", "∂f/∂y = 48"],
        ["z", "var", "value 2", "∂f/∂z = 204"],
        ["g1", "mul: 2*x", "value 8", "∂f/∂g1 = 8"],
        ["g2", "pow: y^2", "value 9", "∂f/∂g2 = 8"],
        ["g3", "pow: z^3", "value 8", "∂f/∂g3 = 17"],
        ["g4", "add: g1 + g2", "value 17", "∂f/∂g4 = 8"],
        ["f", "mul: g4*g3", "value 136", "∂f/∂f = 1"],
    ];
    expected.sort();
    assert_eq!(labels, expected);
    // Inputs on the left, the output on the right, every edge rightwards.
    let left = |name: &str| {
        let k = (0..8)
            .find(|k| text(&p, &format!("p0-n{k}-name")) == name)
            .unwrap_or_else(|| panic!("{name}"));
        p.boxes[&format!("p0-n{k}-box")].left()
    };
    for (a, b) in [
        ("x", "g1"),
        ("g1", "g4"),
        ("g4", "f"),
        ("z", "g3"),
        ("g3", "f"),
    ] {
        assert!(left(a) < left(b), "{a} left of {b}");
    }
    assert_eq!(left("x"), left("z"));
    assert_eq!(out.matches("marker-end").count(), 7, "one edge an input");
}

/// A small neural network: 4 inputs, two hidden layers of 8 tanh units
/// with constant weights, one output: 205 nodes.
fn network() -> String {
    let mut lines = Vec::new();
    let mut previous: Vec<String> = (1..=4).map(|i| format!("x{i}")).collect();
    for (layer, width) in [(1, 8), (2, 8)] {
        let mut names = Vec::new();
        for j in 1..=width {
            let terms: Vec<String> = previous
                .iter()
                .enumerate()
                .map(|(i, p)| format!("{}.{}*{p}", (i + j) % 3, 1 + (i * j) % 9))
                .collect();
            let name = format!("h{layer}_{j}");
            lines.push(format!("{name} = tanh({} + 0.{j})", terms.join(" + ")));
            names.push(name);
        }
        previous = names;
    }
    let terms: Vec<String> = previous.iter().map(|p| format!("0.5*{p}")).collect();
    lines.push(format!("yhat = {}", terms.join(" - ")));
    lines.push("L = (yhat - y)^2".to_string());
    lines.join("\n")
}

#[test]
fn a_network_of_two_hundred_nodes_stays_readable() {
    let program = network();
    let at = "x1=0.5,x2=-1,x3=2,x4=0.25,y=1";
    let json = common::json(&program, at);
    let nodes = json["nodes"].as_array().map_or(0, Vec::len);
    assert!((200..300).contains(&nodes), "{nodes} nodes");
    let r = run_with_stdin(
        &["-f", "-", "--at", at, "--format", "svg"],
        Some(program.as_bytes()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = check_readable(&r.stdout, nodes);
    let outputs: Vec<&String> = p
        .texts
        .keys()
        .filter(|id| text(&p, id) == "∂L/∂L = 1")
        .collect();
    assert_eq!(outputs.len(), 1, "the output's gradient once");
    // The output is the rightmost box.
    let right = p.boxes.values().map(|b| b.right()).fold(0.0, f32::max);
    let out_id = outputs[0].replace("-grad", "-box");
    assert_eq!(p.boxes[&out_id].right(), right);
}

#[test]
fn several_points_are_titled_panels_of_one_picture() {
    let out = svg(&[
        "(2*x+y^2)*z^3",
        "--at",
        "x=4,y=3,z=2",
        "--at",
        "x=1,y=-1,z=0.5",
    ]);
    assert_eq!(out.matches("<svg ").count(), 1, "one document");
    let p = check_readable(&out, 16);
    assert_eq!(text(&p, "p0-title"), "at x=4, y=3, z=2");
    assert_eq!(text(&p, "p1-title"), "at x=1, y=-1, z=0.5");
    assert_eq!(text(&p, "p1-n0-value"), "value 1");
    // The second panel lies below the first, title and all.
    let first_bottom = p
        .boxes
        .iter()
        .filter(|(id, _)| id.starts_with("p0-"))
        .map(|(_, b)| b.bottom())
        .fold(0.0, f32::max);
    assert!(p.texts["p1-title"].1.top() > first_bottom);
    // One point alone has no title.
    let one = parse(&svg(&["x^2", "--at", "x=3"]));
    assert!(!one.texts.contains_key("p0-title"));
}

/// `--of p,q --format svg`: one document, a titled panel an output (and a
/// point, when there are several), each readable, each with its own
/// gradients.
#[test]
fn several_outputs_are_titled_panels_of_one_picture() {
    let out = svg(&["p = x*y; q = x + y", "--of", "p,q", "--at", "x=1,y=2"]);
    assert_eq!(out.matches("<svg ").count(), 1, "one document");
    // p: x, y, p; q: x, y, q.
    let p = check_readable(&out, 6);
    assert_eq!(text(&p, "p0-title"), "output p");
    assert_eq!(text(&p, "p1-title"), "output q");
    assert!(out.contains("∂p/∂x = 2"), "{out}");
    assert!(out.contains("∂q/∂x = 1"), "{out}");
    let two = parse(&svg(&[
        "p = x*y; q = x + y",
        "--of",
        "p,q",
        "--at",
        "x=1,y=2",
        "--at",
        "x=3,y=4",
    ]));
    assert_eq!(text(&two, "p3-title"), "output q, at x=3, y=4");
}

#[test]
fn a_row_that_fails_is_a_panel_saying_why() {
    let csv = "x\n2\n-1\n";
    let r = run_with_stdin(
        &["ln(x)", "--points", "-", "--format", "svg"],
        Some(csv.as_bytes()),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let p = parse(&r.stdout);
    assert_eq!(text(&p, "p0-title"), "at x=2");
    assert_eq!(text(&p, "p1-title"), "at x=-1");
    let why = text(&p, "p1-error");
    assert!(
        why.starts_with("not drawn: ") && why.contains("ln"),
        "{why}"
    );
}

#[test]
fn digits_and_unusual_names() {
    let out = svg(&[
        "ŷ = σ(α*x)\nL = -ln(ŷ)",
        "--at",
        "α=0.5,x=1",
        "--digits",
        "3",
    ]);
    let p = check_readable(&out, 6);
    let all: Vec<&str> = p.texts.values().map(|(t, _)| t.as_str()).collect();
    for label in ["ŷ", "sigmoid: sigmoid(g1)", "value 0.622", "∂L/∂α = -0.378"] {
        assert!(all.contains(&label), "{label} in {all:?}");
    }
}

#[test]
fn refusals_and_limits() {
    for extra in [&["--expect", "f=1"][..], &["--gradcheck"], &["--explain"]] {
        let mut args = vec!["x^2", "--at", "x=1", "--format", "svg"];
        args.extend(extra);
        let r = run(&args);
        assert_eq!(r.code, 2, "{extra:?}");
        assert!(
            r.stderr.contains("--format svg draws the graph"),
            "{}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
    }
    // 300 terms of 9 nodes: over the limit of 2,000 nodes.
    let terms: Vec<String> = (0..300)
        .map(|i| format!("sin(x*{i}.5+y)*z^2/({i}+x*x)"))
        .collect();
    let program = terms.join("+");
    let r = run_with_stdin(
        &["-f", "-", "--at", "x=1,y=2,z=3", "--format", "svg"],
        Some(program.as_bytes()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--format svg draws at most 2,000 nodes, and this graph has"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    // 101 points: over the limit of 100 panels.
    let csv: String = std::iter::once("x".to_string())
        .chain((0..101).map(|i| i.to_string()))
        .collect::<Vec<_>>()
        .join("\n");
    let r = run_with_stdin(
        &["x^2", "--points", "-", "--format", "svg"],
        Some(csv.as_bytes()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("at most 100 points"), "{}", r.stderr);
    // What came before the limit is still a whole picture.
    assert_eq!(
        parse(&r.stdout)
            .texts
            .keys()
            .filter(|k| k.ends_with("title"))
            .count(),
        100
    );
}

/// Headless Chromium draws the lecture's picture too (where installed).
#[test]
fn a_browser_draws_it() {
    let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        println!("skipped: no Chromium installed (Debian: apt-get install chromium)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("autograd-svg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("lecture.svg");
    let shot = dir.join("shot.png");
    std::fs::write(&file, svg(&["(2*x+y^2)*z^3", "--at", "x=4,y=3,z=2"]))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut child = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=700,400",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", file.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{browser}: {e}"));
    // A browser that hangs must not hang the suite: two minutes at most.
    let started = std::time::Instant::now();
    while child.try_wait().ok().flatten().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{browser} took over two minutes to take a screenshot");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(shot.exists(), "{browser} made no screenshot");
    let pixmap = Pixmap::load_png(&shot).unwrap_or_else(|e| panic!("{e}"));
    let dark = pixmap
        .pixels()
        .iter()
        .filter(|p| u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue()) < 200)
        .count();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        dark > 800,
        "the browser's picture is nearly blank: {dark} dark pixels"
    );
}

#[test]
fn tiny_graphs_and_no_points() {
    // `x` is a variable and the output `f = x`; a constant program is one node.
    check_readable(&svg(&["x", "--at", "x=1"]), 2);
    let p = check_readable(&svg(&["2+3"]), 1);
    assert!(p.texts.values().any(|(t, _)| t == "value 5"));
    // A CSV of points with no rows: an empty picture, still well-formed.
    let r = run_with_stdin(&["x^2", "--points", "-", "--format", "svg"], Some(b"x\n"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(parse(&r.stdout).boxes.is_empty());
}

/// The lecture's logistic-regression loss (issue 19's pictures).
const LOGISTIC: &str = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
const LOGISTIC_AT: &str = "w=0.5,x=2,b=1,y=1";

/// The canvas's width and height, from the `<svg>` element.
fn canvas(svg: &str) -> (f64, f64) {
    let attr = |name: &str| {
        let at = svg
            .find(&format!(" {name}=\""))
            .unwrap_or_else(|| panic!("no {name}"));
        let rest = &svg[at + name.len() + 3..];
        rest[..rest.find('"').unwrap_or(0)]
            .parse::<f64>()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    (attr("width"), attr("height"))
}

/// Every edge as the polyline of its path's points (the ends of its `M`,
/// `L` and `C` commands). Between two layers a curve leaves and arrives
/// along the layers' direction, so two curves over the same span cross
/// exactly when these straight segments do.
fn edge_polylines(svg: &str) -> Vec<Vec<(f64, f64)>> {
    svg.lines()
        .filter(|l| l.starts_with("<path d=\"M") && l.contains("marker-end"))
        .map(|l| {
            let d = &l[9..l[9..].find('"').map_or(9, |k| k + 9)];
            let mut points = Vec::new();
            for command in d.split(['M', 'L', 'C']).filter(|c| !c.trim().is_empty()) {
                let last = command.split_whitespace().last().unwrap_or_default();
                let (x, y) = last.split_once(',').unwrap_or_else(|| panic!("{command}"));
                let num = |t: &str| t.parse::<f64>().unwrap_or_else(|e| panic!("{t}: {e}"));
                points.push((num(x), num(y)));
            }
            points
        })
        .collect()
}

/// Pairs of edges whose drawings cross (edges that share an end only
/// touch there, and are not counted).
fn crossings(svg: &str) -> usize {
    let edges = edge_polylines(svg);
    let orient = |a: (f64, f64), b: (f64, f64), c: (f64, f64)| {
        let v = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
        if v.abs() < 1e-9 {
            0
        } else if v > 0.0 {
            1
        } else {
            -1
        }
    };
    let cross = |p: (f64, f64), q: (f64, f64), r: (f64, f64), s: (f64, f64)| {
        let (o1, o2) = (orient(p, q, r), orient(p, q, s));
        let (o3, o4) = (orient(r, s, p), orient(r, s, q));
        o1 * o2 < 0 && o3 * o4 < 0
    };
    let mut count = 0;
    for (i, a) in edges.iter().enumerate() {
        for b in &edges[i + 1..] {
            if a.first() == b.first() || a.last() == b.last() {
                continue;
            }
            let meets = a
                .windows(2)
                .any(|s| b.windows(2).any(|t| cross(s[0], s[1], t[0], t[1])));
            count += usize::from(meets);
        }
    }
    count
}

/// The logistic-regression loss is long and low from left to right; by
/// default it is drawn top to bottom, nearer a page's shape. The lecture's
/// example stays left to right. `--layout` chooses.
#[test]
fn the_layout_follows_the_shape_or_the_flag() {
    let lr = svg(&[LOGISTIC, "--at", LOGISTIC_AT, "--layout", "lr"]);
    let (w, h) = canvas(&lr);
    assert!(w > 3.0 * h, "left to right is long and low: {w}x{h}");
    check_readable(&lr, 15);
    let auto = svg(&[LOGISTIC, "--at", LOGISTIC_AT]);
    let (w, h) = canvas(&auto);
    assert!(w < 2.0 * h && h < 2.0 * w, "nearer square: {w}x{h}");
    let p = check_readable(&auto, 15);
    let tb = svg(&[LOGISTIC, "--at", LOGISTIC_AT, "--layout", "tb"]);
    assert_eq!(tb, auto, "the default here is top to bottom");
    // Inputs at the top, the output at the bottom, every edge downwards.
    let named = |name: &str| {
        let k = (0..15)
            .find(|k| text(&p, &format!("p0-n{k}-name")) == name)
            .unwrap_or_else(|| panic!("{name}"));
        p.boxes[&format!("p0-n{k}-box")]
    };
    for (a, b) in [
        ("w", "g1"),
        ("g1", "z"),
        ("z", "yhat"),
        ("yhat", "g4"),
        ("g8", "L"),
    ] {
        assert!(named(a).bottom() < named(b).top(), "{a} above {b}");
    }
    for edge in edge_polylines(&auto) {
        for pair in edge.windows(2) {
            assert!(pair[0].1 <= pair[1].1, "{edge:?} goes up");
        }
    }
    // The lecture's example is not long: left to right, as before.
    let lecture = svg(&["(2*x+y^2)*z^3", "--at", "x=4,y=3,z=2"]);
    assert_eq!(
        lecture,
        svg(&["(2*x+y^2)*z^3", "--at", "x=4,y=3,z=2", "--layout", "lr"])
    );
    // dot and mermaid take the direction; both stay left to right without it.
    let r = run(&[
        "x*y", "--at", "x=1,y=2", "--format", "mermaid", "--layout", "tb",
    ]);
    assert!(r.stdout.starts_with("flowchart TB\n"), "{}", r.stdout);
    let r = run(&[
        "x*y", "--at", "x=1,y=2", "--format", "dot", "--layout", "tb",
    ]);
    assert!(r.stdout.contains("  rankdir=TB;\n"), "{}", r.stdout);
    let r = run(&[LOGISTIC, "--at", LOGISTIC_AT, "--format", "mermaid"]);
    assert!(r.stdout.starts_with("flowchart LR\n"), "{}", r.stdout);
    // Only pictures are laid out.
    let r = run(&["x*y", "--at", "x=1,y=2", "--layout", "tb"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "--layout arranges a picture of the graph: give --format svg, dot or mermaid"
        ),
        "{}",
        r.stderr
    );
}

/// The layers are ordered so that edges cross as little as they can. The
/// logistic-regression loss cannot be drawn in layers without one
/// crossing: y → g2 → g6 → L and y → g3 → g8 → L close a ring with L alone
/// in the last layer, and yhat reaches g6 (through g4) and g8 (through g5,
/// g7), so yhat's two branches must pass on both sides of one of the
/// ring's paths, or the chain w, x, b → z → yhat must enter the ring,
/// whose only opening on the left is y itself. One is the least, and what
/// the picture has either way.
#[test]
fn edges_cross_as_little_as_they_can_in_the_logistic_loss() {
    for layout in ["lr", "tb"] {
        let out = svg(&[LOGISTIC, "--at", LOGISTIC_AT, "--layout", layout]);
        assert_eq!(edge_polylines(&out).len(), 16, "{layout}");
        assert_eq!(crossings(&out), 1, "{layout}");
    }
    // The lecture's example: none.
    let out = svg(&["(2*x+y^2)*z^3", "--at", "x=4,y=3,z=2"]);
    assert_eq!(crossings(&out), 0);
    // The counter does count: two edges drawn across each other.
    let x = "<path d=\"M0,0 L10,10\" marker-end=\"\"/>\n<path d=\"M0,10 C5,10 5,0 10,0\" marker-end=\"\"/>";
    assert_eq!(crossings(x), 1);
}

/// Long names wrap; no number is ever cut: every number in the picture's
/// text is whole, and the gradient of the long-named variable reads as
/// its exact value.
#[test]
fn long_names_never_cut_a_number() {
    let program = "another_long_name_for_bias_term_here = 0.1234567890123*w\n\
                   z = 0.30000000000000004*w*x + 1.2345678901234567*another_long_name_for_bias_term_here/x\n\
                   L = (z - y)^2";
    let at = "w=0.7071067811865476,x=1.4142135623730951,y=0.3333333333333333";
    let out = svg(&[program, "--at", at]);
    let json = common::json(program, at);
    let nodes = json["nodes"].as_array().map_or(0, Vec::len);
    let p = check_readable(&out, nodes);
    for (id, (t, _)) in &p.texts {
        let chars: Vec<char> = t.chars().collect();
        for (k, c) in chars.iter().enumerate() {
            if *c == '…' && k > 0 {
                assert!(
                    !chars[k - 1].is_ascii_digit() && chars[k - 1] != '.',
                    "{id}: a number cut in `{t}`"
                );
            }
        }
    }
    let name = "another_long_name_for_bias_term_here";
    let k = (0..nodes)
        .find(|k| {
            p.texts
                .get(&format!("p0-n{k}-name"))
                .is_some_and(|(t, _)| t == name)
        })
        .unwrap_or_else(|| panic!("no box named {name}"));
    // The gradient on its own line under `∂L/∂another_long_name… =`.
    assert_eq!(text(&p, &format!("p0-n{k}-grad")), format!("∂L/∂{name} ="));
    let printed: f64 = text(&p, &format!("p0-n{k}-grad2"))
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let want = json["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["name"] == name))
        .map(|n| n["grad"].as_f64().unwrap_or(f64::NAN))
        .unwrap_or(f64::NAN);
    assert_eq!(printed, want);
    // Every value line holds a whole number.
    for k in 0..nodes {
        let v = text(&p, &format!("p0-n{k}-value"));
        let number = v.strip_prefix("value ").unwrap_or_else(|| panic!("{v}"));
        assert!(number.parse::<f64>().is_ok(), "`{v}` is cut");
    }
    // The long definition wraps between terms, its constants whole.
    let all: String = p
        .texts
        .values()
        .map(|(t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for number in [
        "0.1234567890123",
        "0.30000000000000004",
        "1.2345678901234567",
    ] {
        assert!(all.contains(number), "{number} whole in\n{all}");
    }
}

/// `--format mermaid` rendered by Mermaid itself (mermaid-cli, `mmdc`,
/// under a headless Chromium), where it is installed: `npm install -g
/// @mermaid-js/mermaid-cli` (puppeteer downloads its Chromium; without
/// it, PUPPETEER_EXECUTABLE_PATH or a `chromium` on the PATH is used). `MMDC` names another
/// command. Skipped, saying so, where there is none. `.ci/run` installs
/// Chromium with apt and mermaid-cli with npm (puppeteer's own download,
/// from storage.googleapis.com, is not reachable there), so CI renders it.
#[test]
fn mermaid_renders_with_mermaid_cli() {
    let mmdc = std::env::var("MMDC").unwrap_or_else(|_| "mmdc".to_string());
    let found = std::process::Command::new(&mmdc)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!(
            "skipped: no mermaid-cli (`{mmdc}`); npm install -g @mermaid-js/mermaid-cli to run it"
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("autograd-mermaid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let (input, output) = (dir.join("lecture.mmd"), dir.join("lecture.svg"));
    let config = dir.join("puppeteer.json");
    let chart = run(&[LOGISTIC, "--at", LOGISTIC_AT, "--format", "mermaid"]);
    assert_eq!(chart.code, 0, "{}", chart.stderr);
    std::fs::write(&input, &chart.stdout).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&config, r#"{"args": ["--no-sandbox", "--disable-gpu"]}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut command = std::process::Command::new(&mmdc);
    // puppeteer looks for its own download; a system Chromium serves as well.
    if std::env::var_os("PUPPETEER_EXECUTABLE_PATH").is_none() {
        let dirs: Vec<std::path::PathBuf> =
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
        let system = ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .flat_map(|b| dirs.iter().map(move |d| d.join(b)))
            .find(|p| p.is_file());
        if let Some(path) = system {
            command.env("PUPPETEER_EXECUTABLE_PATH", path);
        }
    }
    let mut child = command
        .arg("-i")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .arg("-p")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{mmdc}: {e}"));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().ok().flatten() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{mmdc} took over two minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut why = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut why);
    }
    assert!(
        status.success(),
        "{mmdc} failed to render:\n{why}\n{}",
        chart.stdout
    );
    let drawn = std::fs::read_to_string(&output).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    // Mermaid reports a chart it cannot read as a picture of its error.
    assert!(!drawn.contains("Syntax error"), "{drawn}");
    // Every node drawn, with its label's parts.
    let nodes = chart.stdout.lines().filter(|l| l.contains("[\"")).count();
    assert_eq!(nodes, 15);
    assert!(drawn.matches("class=\"node").count() >= nodes, "{drawn}");
    for label in [
        "yhat",
        "sigmoid: sigmoid(z)",
        "∂L/∂w = -0.23840584404423537",
    ] {
        assert!(drawn.contains(label), "`{label}` not drawn");
    }
}
