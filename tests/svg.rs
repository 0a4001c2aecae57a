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
