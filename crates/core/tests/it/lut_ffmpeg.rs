//! Our application of a LUT against ffmpeg's `lut3d` / `lut1d` filters, pixel by pixel.
//!
//! Everything stays in 16-bit RGB (`rgb48le` in, filter, out), so ffmpeg does no YUV
//! conversion and the only difference between the two is arithmetic:
//! - ffmpeg writes `(int)(value · 65535)` — it truncates, so its code value is up to 1 below
//!   ours (we compare against our unrounded `value · 65535`);
//! - both compute in `f32`, but in a different order (ffmpeg folds `1/65535 · (N − 1)` into one
//!   scale), which moves a result by a few ulps: well under 0.01 of a code value for outputs
//!   in 0..=1.
//!
//! So a correct implementation stays within 1 code value plus float noise; the tolerance is
//! 1.5 code values (0.0023 %). A wrong row order, a wrong interpolation or a lattice off by
//! one is off by hundreds — the tests also show that the *other* interpolation misses the
//! tolerance, so the comparison can tell them apart.
use postflow_core::lut::{parse_cube, Lut};
use std::path::Path;
use std::process::Command;

const WIDTH: usize = 64;
const HEIGHT: usize = 64;
const TOLERANCE: f32 = 1.5;

fn ffmpeg(dir: &Path, args: &[&str]) {
    let out = Command::new("ffmpeg")
        .current_dir(dir)
        .args(["-nostdin", "-hide_banner", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg must be installed (scripts/test installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_rgb48(path: &Path) -> Vec<[u16; 3]> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(bytes.len(), WIDTH * HEIGHT * 6, "{}", path.display());
    bytes
        .chunks_exact(6)
        .map(|p| {
            [
                u16::from_le_bytes([p[0], p[1]]),
                u16::from_le_bytes([p[2], p[3]]),
                u16::from_le_bytes([p[4], p[5]]),
            ]
        })
        .collect()
}

fn write_rgb48(path: &Path, pixels: &[[u16; 3]]) {
    let bytes: Vec<u8> = pixels
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    std::fs::write(path, bytes).unwrap();
}

/// Two inputs: ffmpeg's `testsrc2` frame (8-bit content widened to 16 bits, so codes are
/// multiples of 257) and 4096 pseudo-random 16-bit pixels, which land between lattice points
/// everywhere in the cube.
fn inputs(dir: &Path) -> Vec<(&'static str, Vec<[u16; 3]>)> {
    ffmpeg(
        dir,
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size={WIDTH}x{HEIGHT}:duration=1"),
            "-frames:v",
            "1",
            "-pix_fmt",
            "rgb48le",
            "-f",
            "rawvideo",
            "testsrc2.rgb",
        ],
    );
    let testsrc = read_rgb48(&dir.join("testsrc2.rgb"));
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*: deterministic, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 48) as u16
    };
    let random: Vec<[u16; 3]> = (0..WIDTH * HEIGHT)
        .map(|_| [next(), next(), next()])
        .collect();
    vec![("testsrc2", testsrc), ("random", random)]
}

/// Runs `filter` (with `lut.cube` in `dir`) over `input`; the largest |ffmpeg − ours| in code
/// values, for each of the given ways of applying our LUT.
fn compare(
    dir: &Path,
    input: &[[u16; 3]],
    filter: &str,
    ours: &[&dyn Fn([f32; 3]) -> [f32; 3]],
) -> Vec<f32> {
    write_rgb48(&dir.join("in.rgb"), input);
    let size = format!("{WIDTH}x{HEIGHT}");
    ffmpeg(
        dir,
        &[
            "-f", "rawvideo", "-pix_fmt", "rgb48le", "-s", &size, "-i", "in.rgb", "-vf", filter,
            "-pix_fmt", "rgb48le", "-f", "rawvideo", "out.rgb",
        ],
    );
    let output = read_rgb48(&dir.join("out.rgb"));
    ours.iter()
        .map(|apply| {
            let mut max = 0.0f32;
            for (inp, out) in input.iter().zip(&output) {
                let rgb = inp.map(|v| v as f32 / 65535.0);
                let expected = apply(rgb).map(|v| v.clamp(0.0, 1.0) * 65535.0);
                for ch in 0..3 {
                    max = max.max((out[ch] as f32 - expected[ch]).abs());
                }
            }
            max
        })
        .collect()
}

/// A grade with character: saturation × 1.5 around Rec. 709 luma, then a 1/1.6 gamma, with a
/// slight cross-talk so that no channel is separable.
fn grade([r, g, b]: [f32; 3]) -> [f32; 3] {
    let luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let sat = [r, g, b].map(|c| (luma + (c - luma) * 1.5).clamp(0.0, 1.0));
    [
        (0.9 * sat[0] + 0.1 * sat[2]).powf(1.0 / 1.6),
        sat[1].powf(1.0 / 1.6),
        (0.85 * sat[2] + 0.15 * sat[0]).powf(1.0 / 1.6),
    ]
}

#[test]
fn lut3d_matches_ffmpeg_tetrahedral_and_trilinear() {
    let dir = tempfile::tempdir().unwrap();
    let mut lut = Lut::from_fn_3d(17, grade).unwrap();
    lut.title = Some("saturation and gamma".into());
    let text = lut.to_cube_string();
    // ffmpeg reads the very file we wrote; we apply what we parse back from it.
    std::fs::write(dir.path().join("lut.cube"), &text).unwrap();
    let lut = parse_cube("lut.cube", &text).unwrap();

    let tetra = |rgb| lut.apply_tetrahedral(rgb);
    let tri = |rgb| lut.apply(rgb);
    for (name, input) in inputs(dir.path()) {
        let vs_tetra = compare(
            dir.path(),
            &input,
            "lut3d=file=lut.cube:interp=tetrahedral",
            &[&tetra, &tri],
        );
        let vs_tri = compare(
            dir.path(),
            &input,
            "lut3d=file=lut.cube:interp=trilinear",
            &[&tri, &tetra],
        );
        eprintln!(
            "{name}: ffmpeg tetrahedral vs ours tetrahedral {:.3}, vs ours trilinear {:.3}; \
             ffmpeg trilinear vs ours trilinear {:.3}, vs ours tetrahedral {:.3} (max code values)",
            vs_tetra[0], vs_tetra[1], vs_tri[0], vs_tri[1]
        );
        assert!(
            vs_tetra[0] <= TOLERANCE,
            "{name}: tetrahedral off by {}",
            vs_tetra[0]
        );
        assert!(
            vs_tri[0] <= TOLERANCE,
            "{name}: trilinear off by {}",
            vs_tri[0]
        );
        // The comparison can tell the interpolations apart on this LUT.
        assert!(
            vs_tetra[1] > TOLERANCE && vs_tri[1] > TOLERANCE,
            "{name}: {vs_tetra:?} {vs_tri:?}"
        );
    }
}

#[test]
fn lut1d_matches_ffmpeg_linear() {
    let dir = tempfile::tempdir().unwrap();
    // Different curve per channel, coarse enough (33 points) that interpolation matters.
    let lut = Lut::from_fn_1d(33, |x| {
        [
            x.powf(0.6),
            x * x * (3.0 - 2.0 * x),
            1.0 - (1.0 - x).powf(2.2),
        ]
    })
    .unwrap();
    let text = lut.to_cube_string();
    std::fs::write(dir.path().join("lut.cube"), &text).unwrap();
    let lut = parse_cube("lut.cube", &text).unwrap();

    let ours = |rgb| lut.apply(rgb);
    for (name, input) in inputs(dir.path()) {
        let diff = compare(
            dir.path(),
            &input,
            "lut1d=file=lut.cube:interp=linear",
            &[&ours],
        )[0];
        eprintln!("{name}: ffmpeg lut1d linear vs ours {diff:.3} (max code values)");
        assert!(diff <= TOLERANCE, "{name}: lut1d off by {diff}");
    }
}

/// ffmpeg honours a domain that starts at 0 and ends at or above 1 as the specification says,
/// and ignores any other; `ffmpeg_reads_domain_alike` tells the two apart.
#[test]
fn ffmpeg_agrees_on_the_domain_only_when_ffmpeg_reads_domain_alike_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let curve = "0 0 0\n0.2 0.3 0.4\n0.5 0.6 0.7\n1 1 1\n";
    let wide = format!("LUT_1D_SIZE 4\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 2 1 1.5\n{curve}");
    let shifted = format!("LUT_1D_SIZE 4\nDOMAIN_MIN 0.25 0 0\nDOMAIN_MAX 1 1 1\n{curve}");
    for (text, alike) in [(wide, true), (shifted, false)] {
        std::fs::write(dir.path().join("lut.cube"), &text).unwrap();
        let lut = parse_cube("lut.cube", &text).unwrap();
        assert_eq!(lut.ffmpeg_reads_domain_alike(), alike, "{text}");
        let ours = |rgb| lut.apply(rgb);
        for (name, input) in inputs(dir.path()) {
            let diff = compare(
                dir.path(),
                &input,
                "lut1d=file=lut.cube:interp=linear",
                &[&ours],
            )[0];
            eprintln!("{name}, domain alike = {alike}: ffmpeg vs ours {diff:.3} (max code values)");
            assert_eq!(diff <= TOLERANCE, alike, "{name}: off by {diff}\n{text}");
        }
    }
    let cube = Lut::from_fn_3d(5, grade).unwrap();
    assert!(cube.ffmpeg_reads_domain_alike());
}
