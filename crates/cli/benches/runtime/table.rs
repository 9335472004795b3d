//! The result table: one row per measurement, with its goal and whether it is met.

use std::fmt::Write;

/// Collected rows.
pub struct Table {
    full: bool,
    rows: Vec<[String; 4]>,
}

/// A goal: a bound on the measured value, or none (a figure reported for comparison).
pub enum Goal {
    /// Met when the value is at most this.
    AtMost(f64, &'static str),
    /// Met when the value equals this.
    Exactly(f64, &'static str),
    /// No goal.
    None,
}

impl Table {
    /// An empty table; `full` says whether this is a real run or a smoke run.
    pub fn new(full: bool) -> Table {
        Table {
            full,
            rows: Vec::new(),
        }
    }

    /// Adds a measurement: `value` shown with `unit`, judged against `goal`.
    pub fn row(&mut self, what: &str, value: f64, unit: &str, goal: Goal) {
        let shown = if value.abs() >= 100.0 || value.fract() == 0.0 {
            format!("{value:.0} {unit}")
        } else {
            format!("{value:.2} {unit}")
        };
        let (goal_text, met) = match goal {
            Goal::AtMost(bound, text) => (
                format!("≤ {text}"),
                if value <= bound { "yes" } else { "**no**" },
            ),
            Goal::Exactly(bound, text) => (
                text.to_string(),
                if value == bound { "yes" } else { "**no**" },
            ),
            Goal::None => ("—".to_string(), ""),
        };
        eprintln!("{what}: {shown}");
        self.rows
            .push([what.to_string(), shown, goal_text, met.to_string()]);
    }

    /// Adds a row of text (a comparison that is not a single number).
    pub fn note(&mut self, what: &str, text: String) {
        eprintln!("{what}: {text}");
        self.rows
            .push([what.to_string(), text, "—".into(), String::new()]);
    }

    /// The markdown table.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.full {
            out.push_str("Smoke run (debug build, small sizes): figures are not meaningful; run `cargo bench -p wasm-action --bench runtime`.\n\n");
        }
        out.push_str("| measurement | result | goal | met |\n|---|---|---|---|\n");
        for [what, value, goal, met] in &self.rows {
            let _ = writeln!(out, "| {what} | {value} | {goal} | {met} |");
        }
        out
    }
}

/// The median of `samples` (sorted in place).
pub fn median(samples: &mut [f64]) -> f64 {
    percentile(samples, 50.0)
}

/// The `p`th percentile of `samples` (nearest rank; sorted in place).
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}
