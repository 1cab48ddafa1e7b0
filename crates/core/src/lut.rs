//! Colour lookup tables in the Adobe/Resolve `.cube` format: parsing, validation, application.
//!
//! The format follows Adobe's "Cube LUT Specification 1.0" (2013):
//!
//! - Keywords first, then the table. `TITLE "text"`, exactly one of `LUT_1D_SIZE N` (2–65536)
//!   or `LUT_3D_SIZE N` (2–256), optional `DOMAIN_MIN r g b` / `DOMAIN_MAX r g b` (default
//!   `0 0 0` / `1 1 1`, each channel's min below its max). Resolve's older
//!   `LUT_1D_INPUT_RANGE min max` / `LUT_3D_INPUT_RANGE min max` are accepted as the same domain
//!   on all three channels.
//! - Lines starting with `#` are comments; blank lines, CRLF line ends and a leading byte order
//!   mark are ignored.
//! - The table is `N` (1D) or `N³` (3D) rows of three finite numbers. In a 3D table **red
//!   changes fastest, then green, then blue**: row `r + g·N + b·N²` holds the output for the
//!   lattice point (r, g, b).
//!
//! Every refusal is a [`LutError`] naming the source and the 1-based line, e.g.
//! `grade.cube, line 14: expected 3 numbers, found 2`. The parser never panics, and never
//! allocates more than the rows the text actually contains.
//!
//! Application clamps each input channel to the domain and maps it to lattice coordinates
//! `(x − min) / (max − min) · (N − 1)`. A 1D table interpolates linearly per channel. A 3D table
//! interpolates **trilinearly** in [`Lut::apply`] (eight corners, red then green then blue) and
//! **tetrahedrally** in [`Lut::apply_tetrahedral`] (four corners of one of the six tetrahedra
//! that split the cell). ffmpeg's `lut3d` filter defaults to `interp=tetrahedral`, so
//! [`Lut::apply_tetrahedral`] is what matches a default ffmpeg render;
//! `crates/core/tests/it/lut_ffmpeg.rs` checks both against ffmpeg (`interp=tetrahedral` and
//! `interp=trilinear`), and the 1D path against `lut1d` with `interp=linear`. Both are exact at
//! lattice points, and both agree on a table that is affine inside each cell.
//!
//! ffmpeg (5.1, `vf_lut3d.c` / `vf_lut1d.c`) reads `DOMAIN_*` only as a scale
//! `1 / (max − min)` clipped to ≤ 1 and ignores the minimum, so it agrees with the specification
//! — and with this module — only when every channel's minimum is 0 and its maximum at least 1
//! ([`Lut::ffmpeg_reads_domain_alike`]; measured in `lut_ffmpeg.rs`). This module follows the
//! specification.
use serde::{Deserialize, Serialize};
use std::fmt;

/// Smallest and largest `LUT_1D_SIZE` the specification allows.
pub const LUT_1D_SIZES: (usize, usize) = (2, 65536);
/// Smallest and largest `LUT_3D_SIZE` the specification allows.
pub const LUT_3D_SIZES: (usize, usize) = (2, 256);

/// Whether a table is per channel or a colour cube, with its edge length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LutKind {
    /// `size` rows; each channel looks itself up independently.
    OneD { size: usize },
    /// `size³` rows; the output depends on all three input channels.
    ThreeD { size: usize },
}

impl LutKind {
    pub fn size(self) -> usize {
        match self {
            LutKind::OneD { size } | LutKind::ThreeD { size } => size,
        }
    }

    /// How many data rows a file of this kind holds.
    pub fn rows(self) -> usize {
        match self {
            LutKind::OneD { size } => size,
            LutKind::ThreeD { size } => size.saturating_mul(size).saturating_mul(size),
        }
    }

    fn keyword(self) -> &'static str {
        match self {
            LutKind::OneD { .. } => "LUT_1D_SIZE",
            LutKind::ThreeD { .. } => "LUT_3D_SIZE",
        }
    }
}

/// What a project keeps a LUT for. Independent of [`LutKind`]: a camera LUT may be 1D or 3D.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LutUse {
    /// Log → display transform for a camera's footage (dailies, proxies).
    Camera,
    /// A look: the grade's show LUT.
    Creative,
    /// A transform applied on the way out (a deliverable's colour space).
    Delivery,
}

impl LutUse {
    pub const ALL: [LutUse; 3] = [LutUse::Camera, LutUse::Creative, LutUse::Delivery];

    pub fn as_str(self) -> &'static str {
        match self {
            LutUse::Camera => "camera",
            LutUse::Creative => "creative",
            LutUse::Delivery => "delivery",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LutUse::Camera => "Camera",
            LutUse::Creative => "Creative",
            LutUse::Delivery => "Delivery",
        }
    }

    /// Accepts the `as_str` spelling, ignoring case and surrounding spaces.
    pub fn parse(s: &str) -> Option<LutUse> {
        let s = s.trim();
        LutUse::ALL
            .into_iter()
            .find(|u| u.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for LutUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a `.cube` file (or with a table built in code).
#[derive(Debug, Clone, PartialEq)]
pub enum LutProblem {
    /// A line starting with a word this format does not know.
    UnknownKeyword(String),
    /// The same keyword twice.
    DuplicateKeyword(&'static str),
    /// `LUT_1D_SIZE` and `LUT_3D_SIZE` in one file.
    BothSizes,
    /// No `LUT_1D_SIZE` or `LUT_3D_SIZE` before the table (or at all).
    MissingSize,
    /// A size that is not a whole number within the specification's range.
    SizeOutOfRange {
        keyword: &'static str,
        found: String,
    },
    /// A keyword with the wrong number of values after it.
    KeywordValueCount {
        keyword: &'static str,
        expected: usize,
        found: usize,
    },
    /// A data row without exactly three values.
    RowValueCount { found: usize },
    /// A value that does not read as a number.
    NotANumber(String),
    /// `nan`, `inf`, or a number too large for 32-bit floating point.
    NotFinite(String),
    /// A keyword after the first data row.
    KeywordAfterData(&'static str),
    /// The table ended early.
    TooFewRows { expected: usize, found: usize },
    /// The table has rows beyond what the size declares.
    TooManyRows { expected: usize, found: usize },
    /// A channel whose domain minimum is not below its maximum.
    BadDomain {
        channel: &'static str,
        min: f32,
        max: f32,
    },
    /// Both `DOMAIN_MIN`/`DOMAIN_MAX` and an `…_INPUT_RANGE` line.
    DomainTwice,
    /// `LUT_1D_INPUT_RANGE` in a 3D file or `LUT_3D_INPUT_RANGE` in a 1D one.
    InputRangeMismatch(&'static str),
    /// A `TITLE` whose opening quote is never closed.
    UnterminatedTitle,
}

impl fmt::Display for LutProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LutProblem::UnknownKeyword(word) => write!(f, "unknown keyword `{word}`"),
            LutProblem::DuplicateKeyword(k) => write!(f, "{k} is given twice"),
            LutProblem::BothSizes => {
                f.write_str("a file has either LUT_1D_SIZE or LUT_3D_SIZE, not both")
            }
            LutProblem::MissingSize => {
                f.write_str("no LUT_1D_SIZE or LUT_3D_SIZE before the table")
            }
            LutProblem::SizeOutOfRange { keyword, found } => {
                let (min, max) = if *keyword == "LUT_1D_SIZE" {
                    LUT_1D_SIZES
                } else {
                    LUT_3D_SIZES
                };
                write!(
                    f,
                    "{keyword} must be a whole number from {min} to {max}, found `{found}`"
                )
            }
            LutProblem::KeywordValueCount {
                keyword,
                expected,
                found,
            } => {
                let noun = if *expected == 1 { "number" } else { "numbers" };
                write!(f, "{keyword} takes {expected} {noun}, found {found}")
            }
            LutProblem::RowValueCount { found } => {
                write!(f, "expected 3 numbers, found {found}")
            }
            LutProblem::NotANumber(v) => write!(f, "`{v}` is not a number"),
            LutProblem::NotFinite(v) => write!(f, "`{v}` is not a finite number"),
            LutProblem::KeywordAfterData(k) => {
                write!(
                    f,
                    "{k} after the table started; keywords go before the data"
                )
            }
            LutProblem::TooFewRows { expected, found } => {
                write!(
                    f,
                    "the table ends early: expected {expected} data rows, found {found}"
                )
            }
            LutProblem::TooManyRows { expected, found } => {
                write!(f, "too many data rows: expected {expected}, found {found}")
            }
            LutProblem::BadDomain { channel, min, max } => write!(
                f,
                "the {channel} domain minimum ({min}) must be below its maximum ({max})"
            ),
            LutProblem::DomainTwice => f.write_str(
                "the domain is given both by DOMAIN_MIN/DOMAIN_MAX and by an INPUT_RANGE line",
            ),
            LutProblem::InputRangeMismatch(k) => {
                write!(f, "{k} does not match the table's size keyword")
            }
            LutProblem::UnterminatedTitle => f.write_str("the TITLE's closing quote is missing"),
        }
    }
}

/// A refused `.cube` file: where (source and line) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct LutError {
    source: String,
    line: Option<usize>,
    problem: LutProblem,
}

impl LutError {
    /// The 1-based line the problem was found on; `None` only for tables built in code.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    pub fn problem(&self) -> &LutProblem {
        &self.problem
    }

    /// The name the caller passed to [`parse_cube`] (usually the file name).
    pub fn source_name(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for LutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {line}: {}", self.source, self.problem),
            None => write!(f, "{}: {}", self.source, self.problem),
        }
    }
}

impl std::error::Error for LutError {}

/// A validated lookup table: the size matches the row count, every value is finite and each
/// channel's domain minimum is below its maximum.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut {
    pub title: Option<String>,
    pub kind: LutKind,
    pub domain_min: [f32; 3],
    pub domain_max: [f32; 3],
    table: Vec<[f32; 3]>,
}

const CHANNELS: [&str; 3] = ["red", "green", "blue"];
const DEFAULT_MIN: [f32; 3] = [0.0; 3];
const DEFAULT_MAX: [f32; 3] = [1.0; 3];

impl Lut {
    /// A table built in code; refused like a file would be (without a line).
    pub fn new(
        title: Option<String>,
        kind: LutKind,
        domain_min: [f32; 3],
        domain_max: [f32; 3],
        table: Vec<[f32; 3]>,
    ) -> Result<Lut, LutError> {
        let refuse = |problem| LutError {
            source: "LUT".to_string(),
            line: None,
            problem,
        };
        let (min_size, max_size) = match kind {
            LutKind::OneD { .. } => LUT_1D_SIZES,
            LutKind::ThreeD { .. } => LUT_3D_SIZES,
        };
        let size = kind.size();
        if size < min_size || size > max_size {
            return Err(refuse(LutProblem::SizeOutOfRange {
                keyword: kind.keyword(),
                found: size.to_string(),
            }));
        }
        if let Some(problem) = domain_problem(domain_min, domain_max) {
            return Err(refuse(problem));
        }
        let expected = kind.rows();
        if table.len() != expected {
            let found = table.len();
            return Err(refuse(if found < expected {
                LutProblem::TooFewRows { expected, found }
            } else {
                LutProblem::TooManyRows { expected, found }
            }));
        }
        if let Some(v) = table.iter().flatten().find(|v| !v.is_finite()) {
            return Err(refuse(LutProblem::NotFinite(v.to_string())));
        }
        Ok(Lut {
            title,
            kind,
            domain_min,
            domain_max,
            table,
        })
    }

    /// A 3D table whose lattice point (r, g, b), each in 0..=1, maps to `f([r, g, b])`.
    /// Non-finite outputs are refused.
    pub fn from_fn_3d(size: usize, f: impl Fn([f32; 3]) -> [f32; 3]) -> Result<Lut, LutError> {
        let kind = LutKind::ThreeD { size };
        let mut table = Vec::new();
        if (LUT_3D_SIZES.0..=LUT_3D_SIZES.1).contains(&size) {
            let step = 1.0 / (size - 1) as f32;
            table.reserve(kind.rows());
            for b in 0..size {
                for g in 0..size {
                    for r in 0..size {
                        table.push(f([r as f32 * step, g as f32 * step, b as f32 * step]));
                    }
                }
            }
        }
        Lut::new(None, kind, DEFAULT_MIN, DEFAULT_MAX, table)
    }

    /// A 1D table whose entry for input `x` in 0..=1 is `f(x)` per channel.
    pub fn from_fn_1d(size: usize, f: impl Fn(f32) -> [f32; 3]) -> Result<Lut, LutError> {
        let kind = LutKind::OneD { size };
        let mut table = Vec::new();
        if (LUT_1D_SIZES.0..=LUT_1D_SIZES.1).contains(&size) {
            let step = 1.0 / (size - 1) as f32;
            table = (0..size).map(|i| f(i as f32 * step)).collect();
        }
        Lut::new(None, kind, DEFAULT_MIN, DEFAULT_MAX, table)
    }

    /// The 3D table that changes nothing.
    pub fn identity_3d(size: usize) -> Result<Lut, LutError> {
        Lut::from_fn_3d(size, |rgb| rgb)
    }

    /// The 1D table that changes nothing.
    pub fn identity_1d(size: usize) -> Result<Lut, LutError> {
        Lut::from_fn_1d(size, |x| [x, x, x])
    }

    /// Whether ffmpeg's `lut3d`/`lut1d` map inputs onto this table as the specification does:
    /// they ignore `DOMAIN_MIN` and clip the scale `1 / (max − min)` to ≤ 1, which is the same
    /// only when every minimum is 0 and every maximum at least 1. A job that renders with ffmpeg
    /// and checks pixels against [`Lut::apply`] must refuse a LUT for which this is false.
    pub fn ffmpeg_reads_domain_alike(&self) -> bool {
        (0..3).all(|ch| self.domain_min[ch] == 0.0 && self.domain_max[ch] >= 1.0)
    }

    /// The rows in file order (for 3D, red fastest).
    pub fn table(&self) -> &[[f32; 3]] {
        &self.table
    }

    /// The table's output for `rgb`: 1D per-channel linear, 3D trilinear interpolation.
    /// Inputs are clamped to the domain (NaN counts as the minimum).
    pub fn apply(&self, rgb: [f32; 3]) -> [f32; 3] {
        if !self.is_intact() {
            return [f32::NAN; 3];
        }
        match self.kind {
            LutKind::OneD { size } => self.apply_1d(size, rgb),
            LutKind::ThreeD { size } => {
                let cell = self.cell(size, rgb);
                let c = |dr, dg, db| self.corner(size, &cell, dr, dg, db);
                let [fr, fg, fb] = cell.frac;
                // Same order as ffmpeg's trilinear: along red, then green, then blue.
                let c00 = lerp3(c(0, 0, 0), c(1, 0, 0), fr);
                let c10 = lerp3(c(0, 1, 0), c(1, 1, 0), fr);
                let c01 = lerp3(c(0, 0, 1), c(1, 0, 1), fr);
                let c11 = lerp3(c(0, 1, 1), c(1, 1, 1), fr);
                let c0 = lerp3(c00, c10, fg);
                let c1 = lerp3(c01, c11, fg);
                lerp3(c0, c1, fb)
            }
        }
    }

    /// Like [`Lut::apply`], but a 3D table interpolates tetrahedrally — ffmpeg `lut3d`'s default.
    /// The cell is split along its black–white diagonal into six tetrahedra; the one holding the
    /// point is chosen by the order of the fractional coordinates. A 1D table is the same as
    /// [`Lut::apply`].
    pub fn apply_tetrahedral(&self, rgb: [f32; 3]) -> [f32; 3] {
        if !self.is_intact() {
            return [f32::NAN; 3];
        }
        let size = match self.kind {
            LutKind::OneD { size } => return self.apply_1d(size, rgb),
            LutKind::ThreeD { size } => size,
        };
        let cell = self.cell(size, rgb);
        let c = |dr, dg, db| self.corner(size, &cell, dr, dg, db);
        let [r, g, b] = cell.frac;
        let c000 = c(0, 0, 0);
        let c111 = c(1, 1, 1);
        // Weights of the path black → one axis → two axes → white, largest fraction first.
        let (w, c1, c2) = if r > g {
            if g > b {
                ([1.0 - r, r - g, g - b, b], c(1, 0, 0), c(1, 1, 0))
            } else if r > b {
                ([1.0 - r, r - b, b - g, g], c(1, 0, 0), c(1, 0, 1))
            } else {
                ([1.0 - b, b - r, r - g, g], c(0, 0, 1), c(1, 0, 1))
            }
        } else if b > g {
            ([1.0 - b, b - g, g - r, r], c(0, 0, 1), c(0, 1, 1))
        } else if b > r {
            ([1.0 - g, g - b, b - r, r], c(0, 1, 0), c(0, 1, 1))
        } else {
            ([1.0 - g, g - r, r - b, b], c(0, 1, 0), c(1, 1, 0))
        };
        std::array::from_fn(|i| w[0] * c000[i] + w[1] * c1[i] + w[2] * c2[i] + w[3] * c111[i])
    }

    fn apply_1d(&self, size: usize, rgb: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|ch| {
            let (prev, next, frac) = lattice(self.normalise(ch, rgb[ch]), size);
            lerp(self.table[prev][ch], self.table[next][ch], frac)
        })
    }

    /// Input channel → 0..=1 within the domain.
    /// `kind` and the domain are public fields: a caller may have changed them after the table
    /// was validated. Such a table gives NaN rather than an out-of-bounds panic.
    fn is_intact(&self) -> bool {
        self.kind.size() >= 2
            && self.table.len() == self.kind.rows()
            && domain_problem(self.domain_min, self.domain_max).is_none()
    }

    fn normalise(&self, ch: usize, value: f32) -> f32 {
        let (min, max) = (self.domain_min[ch], self.domain_max[ch]);
        if value.is_nan() || value <= min {
            return 0.0;
        }
        if value >= max {
            return 1.0;
        }
        let t = (value - min) / (max - min);
        // Guards a domain so wide that max − min overflows to infinity.
        if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    fn cell(&self, size: usize, rgb: [f32; 3]) -> Cell {
        let mut prev = [0; 3];
        let mut next = [0; 3];
        let mut frac = [0.0; 3];
        for ch in 0..3 {
            (prev[ch], next[ch], frac[ch]) = lattice(self.normalise(ch, rgb[ch]), size);
        }
        Cell { prev, next, frac }
    }

    fn corner(&self, size: usize, cell: &Cell, dr: usize, dg: usize, db: usize) -> [f32; 3] {
        let pick = |ch: usize, d: usize| if d == 0 { cell.prev[ch] } else { cell.next[ch] };
        self.table[pick(0, dr) + pick(1, dg) * size + pick(2, db) * size * size]
    }

    /// The table as a `.cube` file that [`parse_cube`] reads back to an equal `Lut`: numbers are
    /// written in the shortest form that reads back to the same `f32`. Line breaks and quotes in
    /// the title become spaces (a title is one quoted line).
    pub fn to_cube_string(&self) -> String {
        use fmt::Write;
        let mut out = String::with_capacity(self.table.len() * 28 + 128);
        if let Some(title) = &self.title {
            let clean: String = title
                .chars()
                .map(|c| if c.is_control() || c == '"' { ' ' } else { c })
                .collect();
            let _ = writeln!(out, "TITLE \"{clean}\"");
        }
        let _ = writeln!(out, "{} {}", self.kind.keyword(), self.kind.size());
        let [a, b, c] = self.domain_min;
        let _ = writeln!(out, "DOMAIN_MIN {a} {b} {c}");
        let [a, b, c] = self.domain_max;
        let _ = writeln!(out, "DOMAIN_MAX {a} {b} {c}");
        for [r, g, b] in &self.table {
            let _ = writeln!(out, "{r} {g} {b}");
        }
        out
    }
}

struct Cell {
    prev: [usize; 3],
    next: [usize; 3],
    frac: [f32; 3],
}

/// 0..=1 → the lattice points either side and the fraction between them (ffmpeg's convention:
/// at the top edge both are the last point).
fn lattice(t: f32, size: usize) -> (usize, usize, f32) {
    let s = t * (size - 1) as f32;
    let prev = (s as usize).min(size - 1);
    let next = (prev + 1).min(size - 1);
    (prev, next, s - prev as f32)
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    std::array::from_fn(|i| lerp(a[i], b[i], t))
}

fn domain_problem(min: [f32; 3], max: [f32; 3]) -> Option<LutProblem> {
    (0..3).find_map(|ch| {
        let ok = min[ch].is_finite() && max[ch].is_finite() && min[ch] < max[ch];
        (!ok).then_some(LutProblem::BadDomain {
            channel: CHANNELS[ch],
            min: min[ch],
            max: max[ch],
        })
    })
}

const KEYWORDS: [&str; 7] = [
    "TITLE",
    "LUT_1D_SIZE",
    "LUT_3D_SIZE",
    "DOMAIN_MIN",
    "DOMAIN_MAX",
    "LUT_1D_INPUT_RANGE",
    "LUT_3D_INPUT_RANGE",
];

/// Parses and validates a `.cube` file's text. `source` names it in errors (e.g. the file name).
pub fn parse_cube(source: &str, text: &str) -> Result<Lut, LutError> {
    let refuse = |line: usize, problem| LutError {
        source: source.to_string(),
        line: Some(line),
        problem,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let mut title: Option<String> = None;
    let mut kind: Option<LutKind> = None;
    let mut domain_min: Option<[f32; 3]> = None;
    let mut domain_max: Option<[f32; 3]> = None;
    let mut input_range: Option<(&'static str, [f32; 2])> = None;
    let mut domain_line = 0;
    let mut table: Vec<[f32; 3]> = Vec::new();
    let mut expected = 0;
    let mut last_line = 0;

    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    while let Some((number, line)) = lines.next() {
        last_line = number;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        let keyword = KEYWORDS.iter().copied().find(|k| *k == first);
        let data_started = !table.is_empty();
        let is_row = match keyword {
            Some(_) => false,
            // A typo in a row ("O.5") reads better as "not a number" once the table started.
            None => data_started || first.parse::<f32>().is_ok() || !starts_alphabetic(first),
        };

        if !is_row {
            let Some(keyword) = keyword else {
                return Err(refuse(
                    number,
                    LutProblem::UnknownKeyword(first.to_string()),
                ));
            };
            if data_started {
                return Err(refuse(number, LutProblem::KeywordAfterData(keyword)));
            }
            let rest = line[keyword.len()..].trim();
            match keyword {
                "TITLE" => {
                    if title.is_some() {
                        return Err(refuse(number, LutProblem::DuplicateKeyword("TITLE")));
                    }
                    title = Some(
                        parse_title(rest)
                            .ok_or_else(|| refuse(number, LutProblem::UnterminatedTitle))?,
                    );
                }
                "LUT_1D_SIZE" | "LUT_3D_SIZE" => {
                    if let Some(existing) = kind {
                        let problem = if existing.keyword() == keyword {
                            LutProblem::DuplicateKeyword(existing.keyword())
                        } else {
                            LutProblem::BothSizes
                        };
                        return Err(refuse(number, problem));
                    }
                    let values: Vec<&str> = rest.split_whitespace().collect();
                    if values.len() != 1 {
                        return Err(refuse(
                            number,
                            LutProblem::KeywordValueCount {
                                keyword,
                                expected: 1,
                                found: values.len(),
                            },
                        ));
                    }
                    let one_d = keyword == "LUT_1D_SIZE";
                    let (min, max) = if one_d { LUT_1D_SIZES } else { LUT_3D_SIZES };
                    let size = values[0]
                        .parse::<usize>()
                        .ok()
                        .filter(|s| (min..=max).contains(s))
                        .ok_or_else(|| {
                            refuse(
                                number,
                                LutProblem::SizeOutOfRange {
                                    keyword,
                                    found: values[0].to_string(),
                                },
                            )
                        })?;
                    let new_kind = if one_d {
                        LutKind::OneD { size }
                    } else {
                        LutKind::ThreeD { size }
                    };
                    if let Some((range_keyword, _)) = input_range {
                        if !range_matches(range_keyword, new_kind) {
                            return Err(refuse(
                                number,
                                LutProblem::InputRangeMismatch(range_keyword),
                            ));
                        }
                    }
                    kind = Some(new_kind);
                    expected = new_kind.rows();
                }
                "DOMAIN_MIN" | "DOMAIN_MAX" => {
                    let name = keyword;
                    if input_range.is_some() {
                        return Err(refuse(number, LutProblem::DomainTwice));
                    }
                    let slot = if name == "DOMAIN_MIN" {
                        &mut domain_min
                    } else {
                        &mut domain_max
                    };
                    if slot.is_some() {
                        return Err(refuse(number, LutProblem::DuplicateKeyword(name)));
                    }
                    let values = parse_numbers::<3>(rest, name).map_err(|p| refuse(number, p))?;
                    *slot = Some(values);
                    domain_line = number;
                }
                _ => {
                    // LUT_1D_INPUT_RANGE / LUT_3D_INPUT_RANGE
                    let name = keyword;
                    if let Some((seen, _)) = input_range {
                        return Err(refuse(
                            number,
                            if seen == name {
                                LutProblem::DuplicateKeyword(name)
                            } else {
                                LutProblem::InputRangeMismatch(name)
                            },
                        ));
                    }
                    if domain_min.is_some() || domain_max.is_some() {
                        return Err(refuse(number, LutProblem::DomainTwice));
                    }
                    if let Some(k) = kind {
                        if !range_matches(name, k) {
                            return Err(refuse(number, LutProblem::InputRangeMismatch(name)));
                        }
                    }
                    let values = parse_numbers::<2>(rest, name).map_err(|p| refuse(number, p))?;
                    input_range = Some((name, values));
                    domain_line = number;
                }
            }
            continue;
        }

        // A data row.
        if kind.is_none() {
            return Err(refuse(number, LutProblem::MissingSize));
        }
        if table.is_empty() {
            let (min, max) = resolve_domain(domain_min, domain_max, input_range);
            if let Some(problem) = domain_problem(min, max) {
                return Err(refuse(domain_line, problem));
            }
        }
        if table.len() == expected {
            // Count the rest so the message says how many there are.
            let extra = 1 + lines
                .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
                .count();
            return Err(refuse(
                number,
                LutProblem::TooManyRows {
                    expected,
                    found: expected + extra,
                },
            ));
        }
        let values: Vec<&str> = line.split_whitespace().collect();
        if values.len() != 3 {
            return Err(refuse(
                number,
                LutProblem::RowValueCount {
                    found: values.len(),
                },
            ));
        }
        let mut row = [0.0; 3];
        for (slot, value) in row.iter_mut().zip(values) {
            *slot = parse_finite(value).map_err(|p| refuse(number, p))?;
        }
        table.push(row);
    }

    let end = last_line.max(1);
    let Some(kind) = kind else {
        return Err(refuse(end, LutProblem::MissingSize));
    };
    let (domain_min, domain_max) = resolve_domain(domain_min, domain_max, input_range);
    if let Some(problem) = domain_problem(domain_min, domain_max) {
        return Err(refuse(domain_line.max(1), problem));
    }
    if table.len() < expected {
        return Err(refuse(
            end,
            LutProblem::TooFewRows {
                expected,
                found: table.len(),
            },
        ));
    }
    Ok(Lut {
        title,
        kind,
        domain_min,
        domain_max,
        table,
    })
}

fn starts_alphabetic(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

fn range_matches(range_keyword: &str, kind: LutKind) -> bool {
    matches!(
        (range_keyword, kind),
        ("LUT_1D_INPUT_RANGE", LutKind::OneD { .. })
            | ("LUT_3D_INPUT_RANGE", LutKind::ThreeD { .. })
    )
}

fn resolve_domain(
    min: Option<[f32; 3]>,
    max: Option<[f32; 3]>,
    input_range: Option<(&'static str, [f32; 2])>,
) -> ([f32; 3], [f32; 3]) {
    match input_range {
        Some((_, [lo, hi])) => ([lo; 3], [hi; 3]),
        None => (min.unwrap_or(DEFAULT_MIN), max.unwrap_or(DEFAULT_MAX)),
    }
}

/// `"text"` → `text` (between the first and the last quote); an unquoted title is taken as is.
fn parse_title(rest: &str) -> Option<String> {
    match rest.strip_prefix('"') {
        Some(inner) => inner.strip_suffix('"').map(str::to_string),
        None => Some(rest.to_string()),
    }
}

fn parse_numbers<const N: usize>(
    rest: &str,
    keyword: &'static str,
) -> Result<[f32; N], LutProblem> {
    let values: Vec<&str> = rest.split_whitespace().collect();
    if values.len() != N {
        return Err(LutProblem::KeywordValueCount {
            keyword,
            expected: N,
            found: values.len(),
        });
    }
    let mut out = [0.0; N];
    for (slot, value) in out.iter_mut().zip(values) {
        *slot = parse_finite(value)?;
    }
    Ok(out)
}

fn parse_finite(value: &str) -> Result<f32, LutProblem> {
    let parsed = value
        .parse::<f32>()
        .map_err(|_| LutProblem::NotANumber(value.to_string()))?;
    if parsed.is_finite() {
        Ok(parsed)
    } else {
        Err(LutProblem::NotFinite(value.to_string()))
    }
}
