//! Picture-analysis thresholds, part of the detection settings a report records. The analysis
//! itself stays in `postflow-qc`.
use serde::{Deserialize, Serialize};

/// Thresholds for picture analysis; defaults follow ffmpeg's filters and EBU R 103.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PictureSettings {
    /// blackdetect `pix_th`: a pixel is black below this fraction of the luma range above black.
    pub black_pixel_threshold: f64,
    /// blackdetect `pic_th`: a frame is black when this fraction of its pixels is black.
    pub black_picture_ratio: f64,
    /// freezedetect `n` as a ratio: mean absolute frame difference below this is "no change".
    pub freeze_noise: f64,
    /// Legal 8-bit luma range (EBU R 103: −1 % … 103 % → 5…246).
    pub luma_min: u8,
    pub luma_max: u8,
    /// Legal 8-bit chroma range (−1 % … 103 % of the ±112 excursion → 4…245, rounded inwards).
    pub chroma_min: u8,
    pub chroma_max: u8,
    /// A frame is out of range when more than this fraction of its pixels is (EBU R 103 allows 1 %).
    pub out_of_range_ratio: f64,
}

impl Default for PictureSettings {
    fn default() -> Self {
        PictureSettings {
            black_pixel_threshold: 0.10,
            black_picture_ratio: 0.98,
            freeze_noise: 0.001,
            luma_min: 5,
            luma_max: 246,
            chroma_min: 4,
            chroma_max: 245,
            out_of_range_ratio: 0.01,
        }
    }
}
