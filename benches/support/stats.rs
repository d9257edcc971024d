//! What the fresh-process harnesses (`benches/fresh`, `benches/node`) report with: a
//! sample's spread and a rate for a table.

/// Median, minimum and maximum of a non-empty sample.
pub fn spread(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let median = if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 };
    (median, xs[0], xs[n - 1])
}

/// A rate for a table, three significant digits: `19.8 M`, `640 k`, `31.7 k`, `2077`.
pub fn rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2} M", r / 1e6)
    } else if r >= 1e5 {
        format!("{:.0} k", r / 1e3)
    } else if r >= 1e4 {
        format!("{:.1} k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
}
