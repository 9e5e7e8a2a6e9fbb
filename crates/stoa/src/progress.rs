//! A progress bar for long maintenance work (`stoa reindex`), on standard error.
//!
//! On a terminal it redraws one line in place; otherwise (a log, CI) it writes a line at every
//! tenth of the way, so logs stay short.

use std::io::Write;
use std::time::Instant;

const WIDTH: usize = 30;

#[derive(Debug)]
pub struct Bar {
    label: &'static str,
    terminal: bool,
    started: Instant,
    /// The last tenth written (non-terminal) or percent drawn (terminal).
    shown: Option<u64>,
}

impl Bar {
    pub fn new(label: &'static str, terminal: bool) -> Self {
        Self {
            label,
            terminal,
            started: Instant::now(),
            shown: None,
        }
    }

    /// The line for `done` of `total`.
    pub fn line(&self, done: u64, total: u64) -> String {
        let fraction = if total == 0 {
            1.0
        } else {
            (done as f64 / total as f64).min(1.0)
        };
        let filled = (fraction * WIDTH as f64).round() as usize;
        format!(
            "{} [{}{}] {:>3}%  {done}/{total}  {:.1} s",
            self.label,
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            (fraction * 100.0).floor() as u64,
            self.started.elapsed().as_secs_f64(),
        )
    }

    pub fn update(&mut self, done: u64, total: u64) {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        let step = if self.terminal { percent } else { percent / 10 };
        if self.shown == Some(step) {
            return;
        }
        self.shown = Some(step);
        let line = self.line(done, total);
        let mut err = std::io::stderr().lock();
        // A progress bar that cannot be drawn is not worth failing the work for.
        let _ = if self.terminal {
            write!(err, "\r{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    pub fn finish(&mut self) {
        if self.terminal && self.shown.is_some() {
            let _ = writeln!(std::io::stderr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_share_done() {
        let bar = Bar::new("Indexing", false);
        let line = bar.line(450, 1000);
        assert!(
            line.starts_with("Indexing [##############----------------]  45%  450/1000"),
            "{line}"
        );
        assert!(bar.line(0, 0).contains("100%"));
        assert!(bar.line(5, 3).contains("100%"));
    }
}
