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

/// Appends one point's row to `line`: the variables and the gradient in
/// `order` (the file's), the output between them; empty cells for a row
/// that could not be evaluated.
pub fn push_row(line: &mut String, row: &Row<'_>, order: &[usize]) {
    for &v in order {
        number::write(line, row.point[v]);
        line.push(',');
    }
    if row.error.is_some() {
        line.push_str(&",".repeat(order.len()));
        line.push('\n');
        return;
    }
    number::write(line, row.value);
    for &v in order {
        line.push(',');
        number::write(line, row.grads[v]);
    }
    line.push('\n');
}
