//! Loudness to ITU-R BS.1770-4 / EBU R128 (Tech 3341, 3342). Pure: samples in, numbers out.
//!
//! Each channel is K-weighted and its energy summed into 10 ms sub-blocks ([`ChannelLoudness`]);
//! channels can run on separate threads because everything after that is a weighted sum of
//! per-channel sub-block energies ([`summarise`]). Gating blocks (400 ms, 75 % overlap) and the
//! LRA's short-term blocks (3 s, 100 ms hop) are built from the sub-blocks; momentary and
//! short-term maxima are taken at every 10 ms. True peak interpolates 4× with a polyphase FIR at
//! every sample rate (for 96 kHz and up that is more than 4× the 48 kHz rate).
pub use postflow_qc_model::loudness::{Loudness, LoudnessTimeline};

/// Sub-blocks per second: the resolution of every loudness window.
pub const SUBBLOCKS_PER_S: u64 = 100;
const MOMENTARY_SUB: usize = 40; // 400 ms
const SHORT_TERM_SUB: usize = 300; // 3 s
const GATE_HOP_SUB: usize = 10; // 100 ms
const ABSOLUTE_GATE_LUFS: f64 = -70.0;
const RELATIVE_GATE_LU: f64 = -10.0;
const LRA_RELATIVE_GATE_LU: f64 = -20.0;

/// Biquad coefficients (a0 normalised to 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Biquad {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

/// The two K-weighting stages for a sample rate, from the analogue prototypes of BS.1770
/// (high shelf at ~1682 Hz, +4 dB; high pass at ~38 Hz) via the bilinear transform, so any rate
/// works; at 48 kHz they equal the standard's table.
pub fn k_weighting(sample_rate: u32) -> [Biquad; 2] {
    let fs = sample_rate.max(1) as f64;
    let (f0, g, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
    let k = (std::f64::consts::PI * f0 / fs).tan();
    let vh = 10f64.powf(g / 20.0);
    let vb = vh.powf(0.4996667741545416);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b0: (vh + vb * k / q + k * k) / a0,
        b1: 2.0 * (k * k - vh) / a0,
        b2: (vh - vb * k / q + k * k) / a0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / q + k * k) / a0,
    };
    let (f0, q) = (38.13547087602444, 0.5003270373238773);
    let k = (std::f64::consts::PI * f0 / fs).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = Biquad {
        b0: 1.0,
        b1: -2.0,
        b2: 1.0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / q + k * k) / a0,
    };
    [shelf, high_pass]
}

const TP_OVERSAMPLE: usize = 4;
const TP_TAPS: usize = 24;

fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term) = (1.0, 1.0);
    for k in 1..60 {
        term *= (x / 2.0 / k as f64).powi(2);
        sum += term;
    }
    sum
}

/// The 4× interpolator as 4 phases of 24 taps: a Kaiser-windowed sinc (β = 6) cut at the input
/// Nyquist, each phase normalised to unity gain at DC. Flat within 0.01 dB up to 0.42·fs (20 kHz
/// at 48 kHz). BS.1770-4 Annex 2's 48-tap example overshoots by up to 0.22 dB near fs/4, which
/// breaks the +0.2 dB tolerance of Tech 3341 case 17; Annex 2 allows any filter that meets it.
fn interpolator() -> [[f64; TP_TAPS]; TP_OVERSAMPLE] {
    let n = TP_OVERSAMPLE * TP_TAPS;
    let c = (n - 1) as f64 / 2.0;
    let beta = 6.0;
    let mut phases = [[0f64; TP_TAPS]; TP_OVERSAMPLE];
    for i in 0..n {
        let x = (i as f64 - c) / TP_OVERSAMPLE as f64;
        let sinc = if x.abs() < 1e-12 {
            1.0
        } else {
            (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
        };
        let r = (i as f64 - c) / c;
        let w = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(beta);
        phases[i % TP_OVERSAMPLE][i / TP_OVERSAMPLE] = sinc * w;
    }
    for p in phases.iter_mut() {
        let sum: f64 = p.iter().sum();
        for v in p.iter_mut() {
            *v /= sum;
        }
    }
    phases
}
const TP_BLOCK: usize = 32;

/// True-peak meter for one channel (linear, absolute).
#[derive(Debug, Clone)]
pub struct TruePeak {
    /// Taps transposed so one sample feeds all four phases in a 4-wide multiply-add.
    taps: [[f32; 4]; TP_TAPS],
    /// The largest sum of |taps| over phases: |y| <= gain * max|x| bounds any interpolated value.
    gain: f32,
    buf: Vec<f32>,
    peak: f32,
}

impl Default for TruePeak {
    fn default() -> Self {
        Self::new()
    }
}

impl TruePeak {
    pub fn new() -> Self {
        let mut taps = [[0f32; 4]; TP_TAPS];
        let mut gain = 0f32;
        for (p, phase) in interpolator().iter().enumerate() {
            // y[n] = sum_k h[k] x[n-k]: tap k meets the sample k steps back.
            for (k, h) in phase.iter().enumerate() {
                taps[TP_TAPS - 1 - k][p] = *h as f32;
            }
            gain = gain.max(phase.iter().map(|h| h.abs() as f32).sum::<f32>() * 1.0001);
        }
        TruePeak {
            taps,
            gain,
            buf: vec![0.0; TP_TAPS - 1],
            peak: 0.0,
        }
    }

    pub fn process(&mut self, x: &[f32]) {
        self.buf.extend_from_slice(x);
        let n_out = self.buf.len() + 1 - TP_TAPS;
        let mut start = 0;
        while start < n_out {
            let end = (start + TP_BLOCK).min(n_out);
            let window = &self.buf[start..end + TP_TAPS - 1];
            let m = window.iter().fold(0f32, |a, v| a.max(v.abs()));
            // Nothing in this block can beat the peak so far: skip the interpolation.
            if m * self.gain > self.peak {
                self.peak = self.peak.max(m);
                for w in window.windows(TP_TAPS) {
                    let mut y = [0f32; 4];
                    for (s, t) in w.iter().zip(self.taps.iter()) {
                        for p in 0..4 {
                            y[p] += t[p] * s;
                        }
                    }
                    let a = y[0].abs().max(y[1].abs()).max(y[2].abs().max(y[3].abs()));
                    if a > self.peak {
                        self.peak = a;
                    }
                }
            }
            start = end;
        }
        let keep = self.buf.len() - (TP_TAPS - 1);
        self.buf.drain(..keep);
    }

    pub fn peak(&self) -> f32 {
        self.peak
    }
}

/// The boundary (in samples) of sub-block `k` at `sample_rate`.
pub(crate) fn boundary(k: u64, sample_rate: u32) -> u64 {
    k * sample_rate as u64 / SUBBLOCKS_PER_S
}

/// K-weighted energy per 10 ms sub-block, true peak and sample peak of one channel.
#[derive(Debug, Clone)]
pub struct ChannelLoudness {
    sample_rate: u32,
    f: [Biquad; 2],
    // Transposed direct form II state of the two stages.
    s: [f64; 4],
    pos: u64,
    next_boundary: u64,
    acc: f64,
    sums: Vec<f64>,
    tp: TruePeak,
    sample_peak: f32,
}

/// What one channel measured; combine channels with [`summarise`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelEnergy {
    /// Sum of squared K-weighted samples per complete 10 ms sub-block.
    pub sums: Vec<f64>,
    pub true_peak: f32,
    pub sample_peak: f32,
}

impl ChannelLoudness {
    pub fn new(sample_rate: u32) -> Self {
        let sample_rate = sample_rate.max(1);
        ChannelLoudness {
            sample_rate,
            f: k_weighting(sample_rate),
            s: [0.0; 4],
            pos: 0,
            next_boundary: boundary(1, sample_rate),
            acc: 0.0,
            sums: Vec::new(),
            tp: TruePeak::new(),
            sample_peak: 0.0,
        }
    }

    pub fn process(&mut self, x: &[f32]) {
        let [a, b] = self.f;
        let [mut s1, mut s2, mut s3, mut s4] = self.s;
        let mut i = 0;
        while i < x.len() {
            let n = ((self.next_boundary - self.pos) as usize).min(x.len() - i);
            let mut acc = 0.0;
            for &v in &x[i..i + n] {
                let v = v as f64;
                let y1 = a.b0 * v + s1;
                s1 = a.b1 * v - a.a1 * y1 + s2;
                s2 = a.b2 * v - a.a2 * y1;
                let y2 = y1 + s3; // b0 = 1
                s3 = -2.0 * y1 - b.a1 * y2 + s4;
                s4 = y1 - b.a2 * y2;
                acc += y2 * y2;
            }
            self.acc += acc;
            self.pos += n as u64;
            i += n;
            if self.pos == self.next_boundary {
                self.sums.push(self.acc);
                self.acc = 0.0;
                self.next_boundary = boundary(self.sums.len() as u64 + 1, self.sample_rate);
            }
        }
        // Denormals and NaN from corrupt input must not poison the filter forever.
        for s in [&mut s1, &mut s2, &mut s3, &mut s4] {
            if !s.is_finite() || s.abs() < 1e-30 {
                *s = 0.0;
            }
        }
        self.s = [s1, s2, s3, s4];
        self.tp.process(x);
        let m = x.iter().fold(0f32, |m, v| m.max(v.abs()));
        self.sample_peak = self.sample_peak.max(m);
    }

    pub fn finish(self) -> ChannelEnergy {
        ChannelEnergy {
            sums: self.sums,
            true_peak: self.tp.peak().max(self.sample_peak),
            sample_peak: self.sample_peak,
        }
    }
}

fn lufs(mean_square: f64) -> f64 {
    -0.691 + 10.0 * mean_square.log10()
}

fn db(lin: f32) -> Option<f64> {
    (lin > 0.0).then(|| 20.0 * (lin as f64).log10())
}

/// Combines channels' sub-block energies with their BS.1770 weights into the programme figures
/// and a timeline of at most `max_points` points.
pub fn summarise(
    channels: &[ChannelEnergy],
    weights: &[f64],
    sample_rate: u32,
    max_points: usize,
) -> (Loudness, LoudnessTimeline) {
    let n_sub = channels.iter().map(|c| c.sums.len()).min().unwrap_or(0);
    let mut z = vec![0f64; n_sub];
    for (c, w) in channels.iter().zip(weights) {
        if *w == 0.0 {
            continue;
        }
        for (zi, s) in z.iter_mut().zip(&c.sums) {
            *zi += w * s;
        }
    }
    let sr = sample_rate.max(1);
    // Prefix sums of energy and of sample counts make every window O(1).
    let mut pe = Vec::with_capacity(n_sub + 1);
    pe.push(0f64);
    for v in &z {
        pe.push(pe[pe.len() - 1] + v);
    }
    let window = |a: usize, len: usize| -> f64 {
        let e = (pe[a + len] - pe[a]).max(0.0);
        let n = boundary((a + len) as u64, sr) - boundary(a as u64, sr);
        e / n.max(1) as f64
    };
    let series = |len: usize, hop: usize| -> Vec<f64> {
        if n_sub < len {
            return vec![];
        }
        (0..=n_sub - len)
            .step_by(hop)
            .map(|a| window(a, len))
            .collect()
    };

    let gating = series(MOMENTARY_SUB, GATE_HOP_SUB);
    let integrated = gated_mean(&gating, RELATIVE_GATE_LU);
    let st_blocks = series(SHORT_TERM_SUB, GATE_HOP_SUB);
    let lra = loudness_range(&st_blocks);
    let momentary_fine = series(MOMENTARY_SUB, 1);
    let short_fine = series(SHORT_TERM_SUB, 1);
    let max_of = |v: &[f64]| {
        v.iter()
            .cloned()
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
    };
    let max_m = max_of(&momentary_fine).filter(|m| *m > 0.0).map(lufs);
    let max_s = max_of(&short_fine).filter(|m| *m > 0.0).map(lufs);
    let tp = channels.iter().fold(0f32, |m, c| m.max(c.true_peak));
    let sp = channels.iter().fold(0f32, |m, c| m.max(c.sample_peak));

    // Timeline: value at sub-block end time t is the window ending at t; buckets keep the maximum.
    let duration_sub = n_sub;
    let points = max_points.max(1);
    let step_sub = duration_sub.div_ceil(points).max(GATE_HOP_SUB);
    let bucketed = |fine: &[f64], len: usize| -> Vec<Option<f32>> {
        let n_buckets = duration_sub.div_ceil(step_sub);
        let mut out = vec![None; n_buckets];
        for (a, v) in fine.iter().enumerate() {
            let end = a + len; // in sub-blocks
            let b = ((end - 1) / step_sub).min(n_buckets.saturating_sub(1));
            if *v > 0.0 {
                let l = lufs(*v).max(-120.0) as f32;
                out[b] = Some(out[b].map_or(l, |o: f32| o.max(l)));
            }
        }
        out
    };
    let timeline = LoudnessTimeline {
        step_s: step_sub as f64 / SUBBLOCKS_PER_S as f64,
        momentary: bucketed(&momentary_fine, MOMENTARY_SUB),
        short_term: bucketed(&short_fine, SHORT_TERM_SUB),
    };
    (
        Loudness {
            integrated_lufs: integrated.map(|(i, _)| i),
            gate_lufs: integrated.map(|(_, g)| g),
            lra_lu: lra,
            true_peak_dbtp: db(tp),
            sample_peak_dbfs: db(sp),
            max_momentary_lufs: max_m,
            max_short_term_lufs: max_s,
        },
        timeline,
    )
}

/// Loudness (LUFS) of every `window_s` window starting every `hop_s` (multiples of 10 ms), for
/// meters and tests; `None` where a window is silent.
pub fn sliding_loudness(
    channels: &[ChannelEnergy],
    weights: &[f64],
    sample_rate: u32,
    window_s: f64,
    hop_s: f64,
) -> Vec<Option<f64>> {
    let n_sub = channels.iter().map(|c| c.sums.len()).min().unwrap_or(0);
    let len = (window_s * SUBBLOCKS_PER_S as f64).round().max(1.0) as usize;
    let hop = (hop_s * SUBBLOCKS_PER_S as f64).round().max(1.0) as usize;
    if n_sub < len {
        return vec![];
    }
    let sr = sample_rate.max(1);
    (0..=n_sub - len)
        .step_by(hop)
        .map(|a| {
            let e: f64 = channels
                .iter()
                .zip(weights)
                .map(|(c, w)| w * c.sums[a..a + len].iter().sum::<f64>())
                .sum();
            let n = boundary((a + len) as u64, sr) - boundary(a as u64, sr);
            let ms = e / n.max(1) as f64;
            (ms > 0.0).then(|| lufs(ms))
        })
        .collect()
}

/// BS.1770-4 gated loudness over block mean squares: (loudness, relative gate).
fn gated_mean(blocks: &[f64], relative_lu: f64) -> Option<(f64, f64)> {
    let abs_gate = 10f64.powf((ABSOLUTE_GATE_LUFS + 0.691) / 10.0);
    let above: Vec<f64> = blocks.iter().cloned().filter(|b| *b > abs_gate).collect();
    if above.is_empty() {
        return None;
    }
    let mean = above.iter().sum::<f64>() / above.len() as f64;
    let gate = lufs(mean) + relative_lu;
    let rel_gate = 10f64.powf((gate + 0.691) / 10.0);
    let kept: Vec<f64> = above.into_iter().filter(|b| *b > rel_gate).collect();
    if kept.is_empty() {
        return None;
    }
    Some((lufs(kept.iter().sum::<f64>() / kept.len() as f64), gate))
}

/// EBU Tech 3342 loudness range over short-term block mean squares.
fn loudness_range(st: &[f64]) -> Option<f64> {
    let abs_gate = 10f64.powf((ABSOLUTE_GATE_LUFS + 0.691) / 10.0);
    let above: Vec<f64> = st.iter().cloned().filter(|b| *b > abs_gate).collect();
    if above.is_empty() {
        return None;
    }
    let mean = above.iter().sum::<f64>() / above.len() as f64;
    let rel_gate = 10f64.powf((lufs(mean) + LRA_RELATIVE_GATE_LU + 0.691) / 10.0);
    let mut kept: Vec<f64> = above
        .into_iter()
        .filter(|b| *b > rel_gate)
        .map(lufs)
        .collect();
    if kept.is_empty() {
        return None;
    }
    kept.sort_by(|a, b| a.total_cmp(b));
    let n = kept.len() - 1;
    let at = |p: f64| kept[((n as f64 * p) + 0.5) as usize];
    Some(at(0.95) - at(0.10))
}

/// A whole-programme meter over interleaved samples, single-threaded; for tests and small inputs.
#[derive(Debug, Clone)]
pub struct LoudnessMeter {
    sample_rate: u32,
    weights: Vec<f64>,
    channels: Vec<ChannelLoudness>,
    scratch: Vec<f32>,
}

impl LoudnessMeter {
    /// `weights` per channel, e.g. from [`crate::layout::bs1770_weight`].
    pub fn new(sample_rate: u32, weights: Vec<f64>) -> Self {
        LoudnessMeter {
            sample_rate,
            channels: weights
                .iter()
                .map(|_| ChannelLoudness::new(sample_rate))
                .collect(),
            weights,
            scratch: Vec::new(),
        }
    }

    pub fn push_interleaved(&mut self, x: &[f32]) {
        let nc = self.channels.len();
        if nc == 0 {
            return;
        }
        for (c, meter) in self.channels.iter_mut().enumerate() {
            self.scratch.clear();
            self.scratch.extend(x.iter().skip(c).step_by(nc));
            meter.process(&self.scratch);
        }
    }

    pub fn finish(self) -> (Loudness, LoudnessTimeline) {
        let (energies, weights, sr) = self.finish_energies();
        summarise(&energies, &weights, sr, 1000)
    }

    /// The per-channel energies, weights and rate (for [`sliding_loudness`]).
    pub fn finish_energies(self) -> (Vec<ChannelEnergy>, Vec<f64>, u32) {
        let energies = self.channels.into_iter().map(|c| c.finish()).collect();
        (energies, self.weights, self.sample_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_weighting_at_48k_matches_the_bs1770_table() {
        let [s, h] = k_weighting(48000);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(s.b0, 1.53512485958697));
        assert!(close(s.b1, -2.69169618940638));
        assert!(close(s.b2, 1.19839281085285));
        assert!(close(s.a1, -1.69065929318241));
        assert!(close(s.a2, 0.73248077421585));
        assert!(close(h.a1, -1.99004745483398));
        assert!(close(h.a2, 0.99007225036621));
    }

    #[test]
    fn silence_has_no_loudness() {
        let mut m = LoudnessMeter::new(48000, vec![1.0, 1.0]);
        m.push_interleaved(&vec![0.0; 48000 * 2 * 5]);
        let (l, _) = m.finish();
        assert_eq!(l.integrated_lufs, None);
        assert_eq!(l.true_peak_dbtp, None);
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        let sine: Vec<f32> = (0..48000 * 4)
            .flat_map(|i| {
                let v = (0.3 * (i as f64 * 0.13).sin()) as f32;
                [v, v * 0.5]
            })
            .collect();
        let mut a = LoudnessMeter::new(48000, vec![1.0, 1.0]);
        a.push_interleaved(&sine);
        let mut b = LoudnessMeter::new(48000, vec![1.0, 1.0]);
        for c in sine.chunks(2 * 999) {
            b.push_interleaved(c);
        }
        let (la, _) = a.finish();
        let (lb, _) = b.finish();
        assert!((la.integrated_lufs.unwrap() - lb.integrated_lufs.unwrap()).abs() < 1e-9);
        assert_eq!(la.true_peak_dbtp, lb.true_peak_dbtp);
    }
}
