//! Renders an SVG file to PNG with resvg, as the tests do (for the README's
//! picture, `docs/make-pictures.sh`): `cargo run --example svg_to_png -- IN.svg OUT.png [SCALE]`.

use anyhow::{bail, Context, Result};
use resvg::{tiny_skia, usvg};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output) = match args.as_slice() {
        [i, o] | [i, o, _] => (i, o),
        _ => bail!("usage: svg_to_png IN.svg OUT.png [SCALE]"),
    };
    let scale: f32 = match args.get(2) {
        Some(s) => s.parse().with_context(|| format!("scale `{s}`"))?,
        None => 1.0,
    };
    let text = std::fs::read_to_string(input).with_context(|| format!("reading {input}"))?;
    let mut options = usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    if options.fontdb.faces().next().is_none() {
        bail!("no fonts found: install some (Debian: apt-get install fonts-dejavu-core)");
    }
    let tree = usvg::Tree::from_str(&text, &options).context("parsing the SVG")?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .context("empty picture")?;
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).context("picture too big")?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .save_png(output)
        .with_context(|| format!("writing {output}"))?;
    Ok(())
}
