//! Channel layouts: channel names in ffmpeg's order, BS.1770 weights, and the L/R pairs whose
//! phase we check. Pure data.
use serde::{Deserialize, Serialize};

/// ffmpeg's channel order for the layouts a deliverable declares.
pub fn channel_names(layout: &str, channels: usize) -> Vec<String> {
    let names = layout_table(layout);
    if names.len() == channels {
        return names.iter().map(|s| s.to_string()).collect();
    }
    // Unknown or mismatched layout: the orders BS.1770 and libebur128 assume for an unlabelled
    // stream (5 channels L R C Ls Rs, 6 channels L R C LFE Ls Rs), else numbered channels
    // (weighted as front channels, as libebur128 does for 3 channels).
    match channels {
        1 => vec!["FC".into()],
        2 => vec!["FL".into(), "FR".into()],
        5 => channel_names("5.0", 5),
        6 => channel_names("5.1", 6),
        8 => channel_names("7.1", 8),
        n => (1..=n).map(|i| format!("c{i}")).collect(),
    }
}

/// The channels of a named layout in ffmpeg's order; empty when the name is unknown.
pub fn layout_table(layout: &str) -> &'static [&'static str] {
    match layout {
        "mono" => &["FC"],
        "stereo" => &["FL", "FR"],
        "2.1" => &["FL", "FR", "LFE"],
        "3.0" => &["FL", "FR", "FC"],
        "4.0" => &["FL", "FR", "FC", "BC"],
        "quad" => &["FL", "FR", "BL", "BR"],
        "quad(side)" => &["FL", "FR", "SL", "SR"],
        "5.0" => &["FL", "FR", "FC", "BL", "BR"],
        "5.0(side)" => &["FL", "FR", "FC", "SL", "SR"],
        "5.1" => &["FL", "FR", "FC", "LFE", "BL", "BR"],
        "5.1(side)" => &["FL", "FR", "FC", "LFE", "SL", "SR"],
        "6.1" => &["FL", "FR", "FC", "LFE", "BC", "SL", "SR"],
        "7.1" => &["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"],
        "7.1(wide)" => &["FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC"],
        "7.1(wide-side)" => &["FL", "FR", "FC", "LFE", "FLC", "FRC", "SL", "SR"],
        _ => &[],
    }
}

/// The usual layout name for a channel count (what ffprobe reports when a file says nothing).
pub fn default_layout(channels: usize) -> &'static str {
    match channels {
        1 => "mono",
        2 => "stereo",
        6 => "5.1",
        8 => "7.1",
        _ => "unknown",
    }
}

/// BS.1770-4 channel weight: LFE excluded, surround and back channels +1.5 dB (1.41), as in
/// ffmpeg's ebur128 and libebur128.
pub fn bs1770_weight(name: &str) -> f64 {
    match name {
        "LFE" | "LFE2" => 0.0,
        "BL" | "BR" | "BC" | "SL" | "SR" | "TBL" | "TBR" | "TBC" => 1.41,
        _ => 1.0,
    }
}

/// Left/right pairs whose correlation tells of a phase-inverted channel.
pub fn phase_pairs(names: &[String]) -> Vec<(usize, usize)> {
    let pos = |n: &str| names.iter().position(|x| x == n);
    let mut pairs = Vec::new();
    for (l, r) in [("FL", "FR"), ("BL", "BR"), ("SL", "SR")] {
        if let (Some(a), Some(b)) = (pos(l), pos(r)) {
            pairs.push((a, b));
        }
    }
    pairs
}

/// A declared mix format: one or more audio streams, e.g. "stereo+5.1".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredLayout(pub Vec<String>);

impl DeclaredLayout {
    /// Parses "stereo", "5.1", "stereo+5.1" (streams in order).
    pub fn parse(s: &str) -> Option<Self> {
        let parts: Vec<String> = s.split('+').map(|p| normalise_layout(p.trim())).collect();
        if parts.iter().any(|p| layout_table(p).is_empty()) {
            return None;
        }
        Some(DeclaredLayout(parts))
    }
}

/// Maps the names people write ("2.0", "5.1 side", "Stereo") to ffmpeg's.
pub fn normalise_layout(s: &str) -> String {
    let l = s.to_ascii_lowercase().replace(' ', "");
    match l.as_str() {
        "2.0" | "stereo" | "lr" => "stereo".into(),
        "1.0" | "mono" => "mono".into(),
        "5.1" | "5.1(back)" => "5.1".into(),
        "5.1side" | "5.1(side)" => "5.1(side)".into(),
        "7.1" => "7.1".into(),
        other => other.into(),
    }
}

/// Whether a stream's reported layout satisfies a declared one (5.1 and 5.1(side) are both 5.1).
pub fn layout_matches(declared: &str, actual: &str, channels: usize) -> bool {
    let d = normalise_layout(declared);
    let a = normalise_layout(actual);
    let family = |x: &str| x.trim_end_matches("(side)").to_string();
    layout_table(&d).len() == channels
        && (a == "unknown" || a.is_empty() || family(&a) == family(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_bs1770() {
        let names = channel_names("5.1", 6);
        let w: Vec<f64> = names.iter().map(|n| bs1770_weight(n)).collect();
        assert_eq!(w, vec![1.0, 1.0, 1.0, 0.0, 1.41, 1.41]);
        assert_eq!(phase_pairs(&names), vec![(0, 1), (4, 5)]);
    }

    #[test]
    fn unlabelled_five_and_six_channels_weight_the_surrounds() {
        for layout in ["unknown", ""] {
            let w5: Vec<f64> = channel_names(layout, 5)
                .iter()
                .map(|n| bs1770_weight(n))
                .collect();
            assert_eq!(w5, vec![1.0, 1.0, 1.0, 1.41, 1.41]);
            let w6: Vec<f64> = channel_names(layout, 6)
                .iter()
                .map(|n| bs1770_weight(n))
                .collect();
            assert_eq!(w6, vec![1.0, 1.0, 1.0, 0.0, 1.41, 1.41]);
        }
    }

    #[test]
    fn declared_layouts_parse_and_match() {
        let d = DeclaredLayout::parse("Stereo+5.1").unwrap();
        assert_eq!(d.0, vec!["stereo", "5.1"]);
        assert!(layout_matches("5.1", "5.1(side)", 6));
        assert!(!layout_matches("5.1", "stereo", 2));
        assert!(!layout_matches("stereo", "5.1", 6));
        assert!(layout_matches("stereo", "unknown", 2));
    }
}
