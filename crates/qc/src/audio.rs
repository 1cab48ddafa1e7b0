//! Per-channel audio analysis over decoded float samples: loudness energy, true peak, and 10 ms
//! window statistics (peak, energy, zero crossings, clipped samples) from which silence, clipping
//! and line-up tone are found. Pure: no IO, no threads.
use crate::loudness::{boundary, ChannelEnergy, ChannelLoudness, SUBBLOCKS_PER_S};
pub use postflow_qc_model::audio::Tone;

/// By default a sample at or above this magnitude counts as clipped (−0.01 dBFS).
pub const CLIP_LEVEL: f32 = 0.998_85;

/// Statistics of one channel per 10 ms window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Windows {
    pub peak: Vec<f32>,
    pub mean_square: Vec<f32>,
    pub zero_crossings: Vec<u16>,
    /// Samples in a run of 3 or more consecutive clipped samples.
    pub clipped: Vec<u16>,
}

/// Everything measured on one channel.
#[derive(Debug, Clone)]
pub struct ChannelAnalyzer {
    sample_rate: u32,
    clip_level: f32,
    loud: ChannelLoudness,
    win: Windows,
    pos: u64,
    next_boundary: u64,
    cur_peak: f32,
    cur_sq: f64,
    cur_n: u32,
    cur_zc: u16,
    cur_clip: u16,
    prev: f32,
    clip_run: u32,
    sum_sq: f64,
    count: u64,
}

/// A finished channel.
#[derive(Debug, Clone, Default)]
pub struct ChannelData {
    pub energy: ChannelEnergy,
    pub windows: Windows,
    pub mean_square: f64,
    pub samples: u64,
}

impl ChannelAnalyzer {
    pub fn new(sample_rate: u32) -> Self {
        Self::with_clip_level(sample_rate, CLIP_LEVEL)
    }

    /// An analyser that counts samples at or above `clip_level` (linear) as clipped.
    pub fn with_clip_level(sample_rate: u32, clip_level: f32) -> Self {
        let sample_rate = sample_rate.max(1);
        ChannelAnalyzer {
            sample_rate,
            clip_level,
            loud: ChannelLoudness::new(sample_rate),
            win: Windows::default(),
            pos: 0,
            next_boundary: boundary(1, sample_rate),
            cur_peak: 0.0,
            cur_sq: 0.0,
            cur_n: 0,
            cur_zc: 0,
            cur_clip: 0,
            prev: 0.0,
            clip_run: 0,
            sum_sq: 0.0,
            count: 0,
        }
    }

    pub fn process(&mut self, x: &[f32]) {
        self.loud.process(x);
        // Window by window, so each inner loop is simple enough to vectorise.
        let mut i = 0;
        while i < x.len() {
            let n = ((self.next_boundary - self.pos) as usize).min(x.len() - i);
            let seg = &x[i..i + n];
            let mut peak = self.cur_peak;
            let mut sq = 0f32;
            for &v in seg {
                // NaN from a broken decoder reads as silence rather than poisoning the statistics.
                let v = if v.is_finite() { v } else { 0.0 };
                peak = peak.max(v.abs());
                sq += v * v;
            }
            let mut zc = 0u16;
            let mut prev_pos = self.prev >= 0.0;
            for &v in seg {
                let pos = v >= 0.0;
                zc = zc.saturating_add((pos != prev_pos) as u16);
                prev_pos = pos;
            }
            // Clipping is rare: only walk the samples when the window reaches the clip level.
            if peak >= self.clip_level {
                for &v in seg {
                    if v.abs() >= self.clip_level {
                        self.clip_run += 1;
                        if self.clip_run == 3 {
                            self.cur_clip = self.cur_clip.saturating_add(3);
                        } else if self.clip_run > 3 {
                            self.cur_clip = self.cur_clip.saturating_add(1);
                        }
                    } else {
                        self.clip_run = 0;
                    }
                }
            } else if !seg.is_empty() {
                self.clip_run = 0;
            }
            if let Some(&last) = seg.last() {
                self.prev = last;
            }
            self.cur_peak = peak;
            self.cur_sq += sq as f64;
            self.cur_n += n as u32;
            self.cur_zc = self.cur_zc.saturating_add(zc);
            self.pos += n as u64;
            i += n;
            if self.pos == self.next_boundary {
                self.close_window();
            }
        }
    }

    fn close_window(&mut self) {
        self.win.peak.push(self.cur_peak);
        self.win
            .mean_square
            .push((self.cur_sq / self.cur_n.max(1) as f64) as f32);
        self.win.zero_crossings.push(self.cur_zc);
        self.win.clipped.push(self.cur_clip);
        self.sum_sq += self.cur_sq;
        self.count += self.cur_n as u64;
        self.cur_peak = 0.0;
        self.cur_sq = 0.0;
        self.cur_n = 0;
        self.cur_zc = 0;
        self.cur_clip = 0;
        self.next_boundary = boundary(self.win.peak.len() as u64 + 1, self.sample_rate);
    }

    pub fn finish(mut self) -> ChannelData {
        if self.cur_n > 0 {
            self.close_window();
        }
        ChannelData {
            energy: self.loud.finish(),
            windows: self.win,
            mean_square: self.sum_sq / self.count.max(1) as f64,
            samples: self.count,
        }
    }
}

/// Correlation of two channels over the programme (Pearson, about zero).
#[derive(Debug, Clone, Default)]
pub struct PairCorrelation {
    ll: f64,
    rr: f64,
    lr: f64,
}

impl PairCorrelation {
    pub fn process(&mut self, l: &[f32], r: &[f32]) {
        let (mut ll, mut rr, mut lr) = (0f64, 0f64, 0f64);
        for (a, b) in l.iter().zip(r) {
            let (a, b) = (*a as f64, *b as f64);
            if a.is_finite() && b.is_finite() {
                ll += a * a;
                rr += b * b;
                lr += a * b;
            }
        }
        self.ll += ll;
        self.rr += rr;
        self.lr += lr;
    }

    /// `None` when either channel is silent.
    pub fn correlation(&self) -> Option<f64> {
        let d = (self.ll * self.rr).sqrt();
        (d > 1e-12).then(|| (self.lr / d).clamp(-1.0, 1.0))
    }
}

/// A steady 1 kHz sine from the first window on: zero crossings steady, crest factor of a sine.
pub fn head_tone(w: &Windows) -> Option<Tone> {
    let win_s = 1.0 / SUBBLOCKS_PER_S as f64;
    let mut n = 0;
    let (mut zc_sum, mut level_sum) = (0f64, 0f64);
    for i in 0..w.peak.len() {
        let (p, ms, zc) = (
            w.peak[i],
            w.mean_square[i] as f64,
            w.zero_crossings[i] as f64,
        );
        let rms = ms.sqrt();
        let is_tone = p > 0.001
            && rms > 0.0
            && (1.30..1.52).contains(&(p as f64 / rms))
            && zc >= 4.0
            && (n == 0 || (zc - zc_sum / n as f64).abs() <= 2.0)
            && (n == 0 || (20.0 * (p as f64).log10() - level_sum / n as f64).abs() < 0.5);
        if !is_tone {
            break;
        }
        n += 1;
        zc_sum += zc;
        level_sum += 20.0 * (p as f64).log10();
    }
    // Line-up tone is 1 kHz (EBU R 49, SMPTE RP 155) for at least a second; a steady sine at
    // another pitch is programme.
    let frequency_hz = zc_sum / n.max(1) as f64 / 2.0 * SUBBLOCKS_PER_S as f64;
    (n as f64 * win_s >= 1.0 && (900.0..1100.0).contains(&frequency_hz)).then(|| Tone {
        duration_s: n as f64 * win_s,
        frequency_hz,
        level_dbfs: level_sum / n as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(f: f64, amp: f64, secs: f64) -> Vec<f32> {
        (0..(48000.0 * secs) as usize)
            .map(|i| (amp * (std::f64::consts::TAU * f * i as f64 / 48000.0).sin()) as f32)
            .collect()
    }

    #[test]
    fn finds_head_tone_and_its_level() {
        let mut a = ChannelAnalyzer::new(48000);
        let mut x = sine(1000.0, 10f64.powf(-18.0 / 20.0), 3.0);
        x.extend(vec![0.0; 48000]);
        a.process(&x);
        let d = a.finish();
        let t = head_tone(&d.windows).unwrap();
        assert!((t.duration_s - 3.0).abs() < 0.02, "{t:?}");
        assert!((t.frequency_hz - 1000.0).abs() < 60.0, "{t:?}");
        assert!((t.level_dbfs + 18.0).abs() < 0.1, "{t:?}");
    }

    #[test]
    fn clipped_runs_are_counted_and_inverted_pairs_correlate_negatively() {
        let mut a = ChannelAnalyzer::new(48000);
        let mut x = vec![0.5f32; 4800];
        x[100..110].fill(1.0);
        x[200] = 1.0; // a lone full-scale sample is not clipping
        a.process(&x);
        let d = a.finish();
        assert_eq!(d.windows.clipped.iter().map(|c| *c as u32).sum::<u32>(), 10);
        let s = sine(440.0, 0.5, 1.0);
        let inv: Vec<f32> = s.iter().map(|v| -v).collect();
        let mut p = PairCorrelation::default();
        p.process(&s, &inv);
        assert!(p.correlation().unwrap() < -0.99);
        let mut q = PairCorrelation::default();
        q.process(&s, &vec![0.0; s.len()]);
        assert_eq!(q.correlation(), None);
    }
}
