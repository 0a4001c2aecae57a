#!/usr/bin/env bash
# Regenerates the README's picture: the lecture's example drawn by
# `--format svg`, and a PNG of it rendered with resvg (examples/svg_to_png.rs).
# Run from anywhere: docs/make-pictures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
target/debug/autograd-cli "(2*x+y^2)*z^3" --at x=4,y=3,z=2 --format svg > docs/lecture.svg
cargo run --quiet --example svg_to_png -- docs/lecture.svg docs/lecture.png 1.5
echo "wrote docs/lecture.svg and docs/lecture.png"
