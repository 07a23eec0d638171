//! Progress bars on a terminal; nothing when piped or quiet.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Layer-walk progress as indicatif bars, one per layer.
pub(crate) struct Bars {
    multi: MultiProgress,
    bars: Vec<ProgressBar>,
}

impl Bars {
    /// Bars for `sizes.len()` layers, or `None` when stderr is not a terminal or `quiet`.
    pub(crate) fn new(sizes: &[u64], quiet: bool) -> Option<Self> {
        if quiet || !std::io::stderr().is_terminal() || sizes.is_empty() {
            return None;
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "layer {prefix:>2} {bar:30} {bytes:>10}/{total_bytes:<10} {binary_bytes_per_sec:>12} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bars = sizes
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let b = multi.add(ProgressBar::new(s));
                b.set_style(style.clone());
                b.set_prefix(i.to_string());
                b
            })
            .collect();
        Some(Self { multi, bars })
    }
}

impl customs_image::Progress for Bars {
    fn layer_started(&self, index: usize, total: u64) {
        if let Some(b) = self.bars.get(index) {
            b.set_length(total);
        }
    }
    fn layer_advanced(&self, index: usize, bytes: u64) {
        if let Some(b) = self.bars.get(index) {
            b.inc(bytes);
        }
    }
    fn layer_finished(&self, index: usize, cached: bool) {
        if let Some(b) = self.bars.get(index) {
            b.finish_with_message(if cached { "cached" } else { "done" });
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        let _ = self.multi.clear();
    }
}

/// Download progress of `db update`: one bar for the feed being fetched.
pub(crate) struct FeedBar {
    bar: ProgressBar,
}

impl FeedBar {
    /// A bar on a terminal, or `None` when stderr is not one or `quiet`.
    pub(crate) fn new(quiet: bool) -> Option<Self> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>7} {msg:<28} {bar:30} {bytes:>10}/{total_bytes:<10} {binary_bytes_per_sec:>12}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(Self { bar })
    }

    /// The callback to hand to `customs_feeds::update`.
    pub(crate) fn callback(&self) -> std::sync::Arc<customs_feeds::ProgressFn> {
        let bar = self.bar.clone();
        std::sync::Arc::new(move |p: &customs_feeds::Progress<'_>| match p {
            customs_feeds::Progress::FeedStarted { feed, index, count } => {
                bar.set_prefix(format!("{}/{count}", index + 1));
                bar.set_message(feed.name.clone());
                bar.set_position(0);
                bar.set_length(0);
            }
            customs_feeds::Progress::Bytes {
                received, total, ..
            } => {
                if let Some(t) = total {
                    bar.set_length(*t);
                }
                bar.set_position(*received);
            }
            customs_feeds::Progress::Importing { feeds } => {
                bar.set_prefix("import");
                bar.set_message(format!("{feeds} feeds"));
            }
            _ => {}
        })
    }
}

impl Drop for FeedBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
