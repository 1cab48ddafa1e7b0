//! The loudness figures a report carries. Measuring them stays in `postflow-qc`.
use serde::{Deserialize, Serialize};

/// A programme's loudness figures. `None` where the programme is too short or silent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Loudness {
    pub integrated_lufs: Option<f64>,
    pub lra_lu: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub sample_peak_dbfs: Option<f64>,
    pub max_momentary_lufs: Option<f64>,
    pub max_short_term_lufs: Option<f64>,
    /// The relative gate used for the integrated figure.
    pub gate_lufs: Option<f64>,
}

/// Momentary and short-term loudness over time, for plots.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoudnessTimeline {
    /// Seconds between points.
    pub step_s: f64,
    /// Maximum momentary loudness in each step (null where silent or not yet 400 ms in).
    pub momentary: Vec<Option<f32>>,
    /// Maximum short-term loudness in each step (null before 3 s).
    pub short_term: Vec<Option<f32>>,
}

impl LoudnessTimeline {
    /// The index of the point that covers instant `t_s` (seconds from the start): point `i`
    /// holds the largest value of the windows that end in `(i·step_s, (i+1)·step_s]`.
    pub fn index_at(&self, t_s: f64) -> Option<usize> {
        if !(self.step_s > 0.0 && t_s.is_finite() && t_s > 0.0) {
            return None;
        }
        let i = ((t_s / self.step_s) - 1e-9).ceil() as usize;
        Some(i.saturating_sub(1))
    }

    /// (momentary, short-term) loudness the timeline shows at instant `t_s`.
    pub fn at(&self, t_s: f64) -> (Option<f32>, Option<f32>) {
        let Some(i) = self.index_at(t_s) else {
            return (None, None);
        };
        (
            self.momentary.get(i).copied().flatten(),
            self.short_term.get(i).copied().flatten(),
        )
    }
}
