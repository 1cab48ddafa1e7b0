//! Per-frame picture statistics over decoded 8-bit YUV 4:2:0 frames (reduced resolution), in the
//! manner of ffmpeg's blackdetect and freezedetect, plus broadcast-legal range and colour bars.
//! Pure: frames in, numbers out.
pub use postflow_qc_model::video::PictureSettings;

/// What one frame measured.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameStat {
    pub black_ratio: f32,
    /// Mean absolute difference from the previous frame, as a fraction of 255 (1.0 for frame 0).
    pub diff: f32,
    pub luma_out: f32,
    pub chroma_out: f32,
    pub bars: bool,
}

/// Analyses frames in order.
#[derive(Debug, Clone)]
pub struct PictureAnalyzer {
    width: usize,
    height: usize,
    settings: PictureSettings,
    black_level: u8,
    prev_y: Vec<u8>,
    pub frames: Vec<FrameStat>,
}

impl PictureAnalyzer {
    pub fn new(width: usize, height: usize, settings: PictureSettings) -> Self {
        // Limited-range luma: black at 16, white at 235 (blackdetect's formula).
        let black_level = (16.0 + settings.black_pixel_threshold * (235.0 - 16.0)).floor() as u8;
        PictureAnalyzer {
            width,
            height,
            settings,
            black_level,
            prev_y: Vec::new(),
            frames: Vec::new(),
        }
    }

    /// Bytes in one yuv420p frame of this size.
    pub fn frame_bytes(width: usize, height: usize) -> usize {
        let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
        width * height + 2 * cw * ch
    }

    pub fn process(&mut self, frame: &[u8]) {
        let (w, h) = (self.width, self.height);
        let ys = w * h;
        if frame.len() < Self::frame_bytes(w, h) || ys == 0 {
            return;
        }
        let y = &frame[..ys];
        let c = &frame[ys..Self::frame_bytes(w, h)];
        let s = &self.settings;
        let mut hist = [0u32; 256];
        for &v in y {
            hist[v as usize] += 1;
        }
        let black: u32 = hist[..=self.black_level as usize].iter().sum();
        let luma_out: u32 = hist[..s.luma_min as usize].iter().sum::<u32>()
            + hist[s.luma_max as usize + 1..].iter().sum::<u32>();
        let chroma_out = c
            .iter()
            .filter(|&&v| v < s.chroma_min || v > s.chroma_max)
            .count();
        let diff = if self.prev_y.len() == ys {
            let sad: u64 = y
                .iter()
                .zip(&self.prev_y)
                .map(|(a, b)| a.abs_diff(*b) as u64)
                .sum();
            (sad as f64 / ys as f64 / 255.0) as f32
        } else {
            1.0
        };
        let bars = looks_like_bars(y, c, w, h);
        self.prev_y.clear();
        self.prev_y.extend_from_slice(y);
        self.frames.push(FrameStat {
            black_ratio: black as f32 / ys as f32,
            diff,
            luma_out: luma_out as f32 / ys as f32,
            chroma_out: chroma_out as f32 / c.len().max(1) as f32,
            bars,
        });
    }

    pub fn settings(&self) -> PictureSettings {
        self.settings
    }
}

/// Colour bars: the top half is made of vertical stripes (each column constant), at least six
/// stripes of distinct level, and the stripes are coloured.
fn looks_like_bars(y: &[u8], c: &[u8], w: usize, h: usize) -> bool {
    if w < 16 || h < 8 {
        return false;
    }
    let rows = h / 2;
    let mut col_mean = vec![0u32; w];
    for x in 0..w {
        let (mut lo, mut hi, mut sum) = (255u8, 0u8, 0u32);
        for r in 0..rows {
            let v = y[r * w + x];
            lo = lo.min(v);
            hi = hi.max(v);
            sum += v as u32;
        }
        if hi - lo > 12 {
            return false;
        }
        col_mean[x] = sum / rows as u32;
    }
    let mut stripes = 1;
    let mut run_start = 0;
    for x in 1..w {
        if col_mean[x].abs_diff(col_mean[x - 1]) > 8 {
            if x - run_start >= w / 20 {
                stripes += 1;
            }
            run_start = x;
        }
    }
    let cw = w.div_ceil(2);
    let crow = rows / 2;
    let u = &c[..cw * h.div_ceil(2)];
    let v = &c[cw * h.div_ceil(2)..];
    let sat: u32 = (0..cw)
        .map(|x| {
            let i = crow.min(h.div_ceil(2) - 1) * cw + x;
            (u[i] as i32 - 128).unsigned_abs()
                + (v.get(i).copied().unwrap_or(128) as i32 - 128).unsigned_abs()
        })
        .sum::<u32>()
        / cw as u32;
    stripes >= 6 && sat >= 20
}

/// A run of frames `[start, end)`.
pub type FrameRun = (usize, usize);

/// Runs of consecutive frames for which `pred` holds, at least `min_len` long.
pub fn runs<T>(items: &[T], min_len: usize, pred: impl Fn(&T) -> bool) -> Vec<FrameRun> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, it) in items.iter().enumerate() {
        match (pred(it), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= min_len.max(1) {
                    out.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        if items.len() - s >= min_len.max(1) {
            out.push((s, items.len()));
        }
    }
    out
}

/// Black runs (any length; callers filter by duration).
pub fn black_runs(frames: &[FrameStat], s: &PictureSettings) -> Vec<FrameRun> {
    runs(frames, 1, |f| f.black_ratio as f64 >= s.black_picture_ratio)
}

/// Frozen runs as freezedetect reports them: the first frame of a run is the last that changed,
/// so a freeze starts at the frame where the picture stops changing.
pub fn freeze_runs(frames: &[FrameStat], s: &PictureSettings, min_frames: usize) -> Vec<FrameRun> {
    runs(frames, min_frames.saturating_sub(1).max(1), |f| {
        (f.diff as f64) < s.freeze_noise
    })
    .into_iter()
    .map(|(a, b)| (a.saturating_sub(1), b))
    .filter(|(a, b)| b - a >= min_frames)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(w: usize, h: usize, y: u8) -> Vec<u8> {
        let mut f = vec![y; w * h];
        f.extend(vec![128u8; 2 * w.div_ceil(2) * h.div_ceil(2)]);
        f
    }

    #[test]
    fn black_and_frozen_frames_are_found() {
        let (w, h) = (32, 18);
        let mut a = PictureAnalyzer::new(w, h, PictureSettings::default());
        for i in 0..10u8 {
            a.process(&frame(w, h, 100 + i * 5));
        }
        for _ in 0..5 {
            a.process(&frame(w, h, 16));
        }
        for _ in 0..6 {
            a.process(&frame(w, h, 180));
        }
        let s = a.settings();
        assert_eq!(black_runs(&a.frames, &s), vec![(10, 15)]);
        // The 5 black frames are also frozen (4 unchanged after the first), as are the 6 grey.
        assert_eq!(freeze_runs(&a.frames, &s, 5), vec![(10, 15), (15, 21)]);
    }

    #[test]
    fn out_of_range_and_bars() {
        let (w, h) = (64, 36);
        let mut a = PictureAnalyzer::new(w, h, PictureSettings::default());
        a.process(&frame(w, h, 250));
        assert!(a.frames[0].luma_out > 0.99);
        // Eight coloured vertical stripes.
        let mut f = frame(w, h, 0);
        for r in 0..h {
            for x in 0..w {
                f[r * w + x] = 40 + (x / 8) as u8 * 25;
            }
        }
        let ys = w * h;
        for v in &mut f[ys..] {
            *v = 60;
        }
        a.process(&f);
        assert!(a.frames[1].bars);
        assert!(!a.frames[0].bars);
    }
}
