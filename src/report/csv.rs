//! `--format csv` pieces: quoting, and the row of the batch engine's fast
//! path (the variables, the output's value, then `d<output>/dv` for every
//! variable). The sink (`crate::sink::Csv`) writes headers and other rows.

use crate::batch::Row;
use crate::number;

/// Quotes a cell when CSV needs it (a comma, a quote, a line break).
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Appends one point's row to `line`: the variables, the output, the
/// gradient (empty cells for a row that could not be evaluated).
pub fn push_row(line: &mut String, row: &Row<'_>) {
    for &x in row.point {
        number::write(line, x);
        line.push(',');
    }
    if row.error.is_some() {
        line.push_str(&",".repeat(row.point.len()));
        line.push('\n');
        return;
    }
    number::write(line, row.value);
    for &g in row.grads {
        line.push(',');
        number::write(line, g);
    }
    line.push('\n');
}
