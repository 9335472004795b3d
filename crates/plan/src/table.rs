//! The report as a table with aligned columns, for a terminal.

use std::fmt;

use crate::report::ExecutionReport;

const HEADERS: [&str; 5] = ["UUID", "TYPE", "STATE", "DURATION", "DETAIL"];

impl ExecutionReport {
    /// The report as a table (one row per action, then a totals line), each column as wide
    /// as its widest cell; durations are right-aligned, the detail column is left unpadded.
    pub fn to_table(&self) -> String {
        let rows: Vec<[String; 5]> = self
            .actions
            .iter()
            .map(|action| {
                [
                    action.uuid.clone(),
                    action.action_type.clone(),
                    action.state.to_string(),
                    action.duration_ms.map_or_else(|| "-".to_owned(), seconds),
                    action.detail(),
                ]
            })
            .collect();
        let mut widths = HEADERS.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut table = String::new();
        push_row(&mut table, &HEADERS.map(str::to_owned), &widths);
        for row in &rows {
            push_row(&mut table, row, &widths);
        }
        table.push_str(&self.totals_line());
        table
    }

    /// `8 actions: 5 succeeded, 1 failed, 1 skipped, 1 cancelled; plan FAILED in 1.20 s`.
    pub fn totals_line(&self) -> String {
        let totals = &self.totals;
        format!(
            "{} action{}: {} succeeded, {} failed, {} skipped, {} cancelled; plan {} in {}",
            totals.actions,
            if totals.actions == 1 { "" } else { "s" },
            totals.succeeded,
            totals.failed,
            totals.skipped,
            totals.cancelled,
            self.state,
            seconds(self.duration_ms)
        )
    }
}

impl fmt::Display for ExecutionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_table())
    }
}

fn push_row(table: &mut String, cells: &[String; 5], widths: &[usize; 5]) {
    let [uuid, action_type, state, duration, detail] = cells;
    let [w_uuid, w_type, w_state, w_duration, _] = *widths;
    let line = format!(
        "{uuid:<w_uuid$}  {action_type:<w_type$}  {state:<w_state$}  {duration:>w_duration$}  {detail}"
    );
    table.push_str(line.trim_end());
    table.push('\n');
}

/// `1.25 s`.
fn seconds(millis: u64) -> String {
    format!("{}.{:02} s", millis / 1000, millis % 1000 / 10)
}
