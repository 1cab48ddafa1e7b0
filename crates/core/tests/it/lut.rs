//! `.cube` parsing, refusals and application on hand-made tables with known outputs.
use postflow_core::lut::{parse_cube, Lut, LutKind, LutProblem, LutUse};

fn parse(text: &str) -> Lut {
    parse_cube("test.cube", text).unwrap_or_else(|e| panic!("{e}"))
}

/// The refusal's line and message, with the file named "grade.cube".
fn refusal(text: &str) -> (Option<usize>, String) {
    let err = parse_cube("grade.cube", text).expect_err("the file should be refused");
    (err.line(), err.to_string())
}

const IDENTITY_1D: &str = "TITLE \"identity\"\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n";
const INVERT_1D: &str = "LUT_1D_SIZE 3\n1 1 1\n0.5 0.5 0.5\n0 0 0\n";

/// Size 2, output = (g, b, r): a rotation of channels, which pins down the row order
/// (red fastest, then green, then blue).
const ROTATE_3D: &str = "\
# rotate channels
LUT_3D_SIZE 2
0 0 0
0 0 1
1 0 0
1 0 1
0 1 0
0 1 1
1 1 0
1 1 1
";

#[test]
fn identity_1d_file_changes_nothing() {
    let lut = parse(IDENTITY_1D);
    assert_eq!(lut.title.as_deref(), Some("identity"));
    assert_eq!(lut.kind, LutKind::OneD { size: 2 });
    assert_eq!(lut.domain_min, [0.0; 3]);
    assert_eq!(lut.domain_max, [1.0; 3]);
    assert_eq!(lut.apply([0.25, 0.5, 0.75]), [0.25, 0.5, 0.75]);
    assert_eq!(lut.apply([0.0, 1.0, 0.125]), [0.0, 1.0, 0.125]);
}

#[test]
fn invert_1d_file_interpolates_linearly_per_channel() {
    let lut = parse(INVERT_1D);
    assert_eq!(lut.apply([0.25, 0.5, 0.75]), [0.75, 0.5, 0.25]);
    assert_eq!(lut.apply([0.0, 1.0, 0.5]), [1.0, 0.0, 0.5]);
}

#[test]
fn rotate_3d_file_follows_red_fastest_order() {
    let lut = parse(ROTATE_3D);
    assert_eq!(lut.kind, LutKind::ThreeD { size: 2 });
    assert_eq!(lut.apply([1.0, 0.0, 0.0]), [0.0, 0.0, 1.0]);
    assert_eq!(lut.apply([0.0, 1.0, 0.0]), [1.0, 0.0, 0.0]);
    assert_eq!(lut.apply([0.0, 0.0, 1.0]), [0.0, 1.0, 0.0]);
    // A linear map is reproduced exactly by both interpolations.
    assert_eq!(lut.apply([0.25, 0.5, 0.75]), [0.5, 0.75, 0.25]);
    assert_eq!(lut.apply_tetrahedral([0.25, 0.5, 0.75]), [0.5, 0.75, 0.25]);
}

/// out = M·in with M = [[0.5, 0.25, 0.25], [0, 1, 0], [0.25, 0, 0.75]], written as a size-3
/// table (lattice 0, 0.5, 1); every value is a dyadic fraction, so the results are exact.
#[test]
fn colour_matrix_3d_file_gives_the_matrix_product() {
    const M: [[f32; 3]; 3] = [[0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [0.25, 0.0, 0.75]];
    let mut text = String::from("TITLE \"matrix\"\nLUT_3D_SIZE 3\n");
    for b in 0..3 {
        for g in 0..3 {
            for r in 0..3 {
                let x = [r as f32 / 2.0, g as f32 / 2.0, b as f32 / 2.0];
                let y: Vec<String> = M
                    .iter()
                    .map(|row| (row[0] * x[0] + row[1] * x[1] + row[2] * x[2]).to_string())
                    .collect();
                text.push_str(&y.join(" "));
                text.push('\n');
            }
        }
    }
    let lut = parse(&text);
    let input = [0.25, 0.75, 0.125];
    let expected = [
        0.5 * 0.25 + 0.25 * 0.75 + 0.25 * 0.125,
        0.75,
        0.25 * 0.25 + 0.75 * 0.125,
    ];
    assert_eq!(lut.apply(input), expected);
    assert_eq!(lut.apply_tetrahedral(input), expected);
    // Out of the domain: clamped to it.
    assert_eq!(lut.apply([-1.0, 2.0, 0.0]), lut.apply([0.0, 1.0, 0.0]));
}

#[test]
fn crlf_comments_blank_lines_and_byte_order_mark_are_accepted() {
    let text = "\u{feff}# made by hand\r\n\r\nTITLE \"crlf\"\r\n  # indented comment\r\nLUT_1D_SIZE 3\r\n\r\n1 1 1\r\n# between rows\r\n0.5 0.5 0.5\r\n0 0 0\r\n";
    let lut = parse(text);
    assert_eq!(lut.title.as_deref(), Some("crlf"));
    let mut expected = parse(INVERT_1D);
    expected.title = Some("crlf".into());
    assert_eq!(lut, expected);
}

#[test]
fn domain_scales_and_clamps_the_input() {
    let lut = parse("DOMAIN_MIN 0 0 -1\nDOMAIN_MAX 2 4 1\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n");
    assert_eq!(lut.domain_min, [0.0, 0.0, -1.0]);
    assert_eq!(lut.domain_max, [2.0, 4.0, 1.0]);
    assert_eq!(lut.apply([1.0, 1.0, 0.0]), [0.5, 0.25, 0.5]);
    assert_eq!(lut.apply([3.0, -2.0, -5.0]), [1.0, 0.0, 0.0]);
    assert_eq!(
        lut.apply([f32::NAN, f32::INFINITY, f32::NEG_INFINITY]),
        [0.0, 1.0, 0.0]
    );

    let resolve = parse("LUT_3D_INPUT_RANGE 0 2\nLUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n");
    assert_eq!(resolve.domain_min, [0.0; 3]);
    assert_eq!(resolve.domain_max, [2.0; 3]);
    assert_eq!(resolve.apply([1.0, 0.5, 2.0]), [0.5, 0.25, 1.0]);

    let one_d = parse("LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE -1 1\n0 0 0\n1 1 1\n");
    assert_eq!(one_d.apply([0.0, -1.0, 1.0]), [0.5, 0.0, 1.0]);
}

/// Only the white corner is lit: trilinear gives r·g·b, tetrahedral gives min(r, g, b).
#[test]
fn tetrahedral_and_trilinear_differ_on_a_non_linear_table() {
    let lut = parse("LUT_3D_SIZE 2\n0 0 0\n0 0 0\n0 0 0\n0 0 0\n0 0 0\n0 0 0\n0 0 0\n1 1 1\n");
    assert_eq!(lut.apply([0.5, 0.5, 0.5]), [0.125; 3]);
    assert_eq!(lut.apply_tetrahedral([0.5, 0.5, 0.5]), [0.5; 3]);
    assert_eq!(lut.apply([0.5, 0.25, 1.0]), [0.125; 3]);
    assert_eq!(lut.apply_tetrahedral([0.5, 0.25, 1.0]), [0.25; 3]);
    // Both are exact at the lattice points.
    for corner in [[0.0, 0.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]] {
        assert_eq!(lut.apply(corner), lut.apply_tetrahedral(corner));
    }
}

#[test]
fn identity_constructors_change_nothing_at_lattice_points_and_between() {
    let cube = Lut::identity_3d(5).unwrap();
    assert_eq!(cube.kind, LutKind::ThreeD { size: 5 });
    assert_eq!(cube.table().len(), 125);
    assert_eq!(cube.apply([0.25, 0.5, 0.875]), [0.25, 0.5, 0.875]);
    assert_eq!(
        cube.apply_tetrahedral([0.25, 0.5, 0.875]),
        [0.25, 0.5, 0.875]
    );
    let line = Lut::identity_1d(1024).unwrap();
    for x in [0.0, 0.1, 0.5, 0.999, 1.0] {
        let y = line.apply([x; 3]);
        assert!((y[0] - x).abs() < 1e-6, "{x} → {y:?}");
    }
    assert!(Lut::identity_3d(1).is_err());
    assert!(Lut::identity_3d(257).is_err());
    assert!(Lut::identity_1d(65537).is_err());
}

#[test]
fn to_cube_string_round_trips() {
    let mut lut = Lut::from_fn_3d(9, |[r, g, b]| {
        [r.powf(0.45), (g * 1.1).min(1.0), r * 0.3 + b * 0.7]
    })
    .unwrap();
    lut.title = Some("round \"trip\"".into());
    let back = parse(&lut.to_cube_string());
    assert_eq!(back.title.as_deref(), Some("round  trip "));
    assert_eq!(back.table(), lut.table());
    assert_eq!(back.kind, lut.kind);

    let ranged = parse("TITLE \"r\"\nLUT_1D_SIZE 4\nDOMAIN_MIN -0.1 0 0.25\nDOMAIN_MAX 1.5 3 0.5\n0 0 0\n0.1 0.2 0.3\n0.7 0.8 0.9\n1 1 1\n");
    assert_eq!(parse(&ranged.to_cube_string()), ranged);
}

#[test]
fn display_names_the_source_and_line() {
    let err = parse_cube("grade.cube", "LUT_1D_SIZE 2\n0 0 0\n1 1\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "grade.cube, line 3: expected 3 numbers, found 2"
    );
    assert_eq!(err.line(), Some(3));
    assert_eq!(err.source_name(), "grade.cube");
    assert_eq!(err.problem(), &LutProblem::RowValueCount { found: 2 });
}

#[test]
fn every_refusal_names_its_line() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "LUT_1D_SIZE 2\nGAMMA 2.2\n0 0 0\n1 1 1\n",
            2,
            "unknown keyword `GAMMA`",
        ),
        (
            "LUT_1D_SIZE 2\n# c\nLUT_3D_SIZE 2\n",
            3,
            "either LUT_1D_SIZE or LUT_3D_SIZE, not both",
        ),
        (
            "LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n",
            2,
            "LUT_3D_SIZE is given twice",
        ),
        (
            "TITLE \"a\"\n0 0 0\n",
            2,
            "no LUT_1D_SIZE or LUT_3D_SIZE before the table",
        ),
        (
            "TITLE \"a\"\n# nothing else\n",
            2,
            "no LUT_1D_SIZE or LUT_3D_SIZE",
        ),
        (
            "LUT_3D_SIZE 1\n",
            1,
            "LUT_3D_SIZE must be a whole number from 2 to 256, found `1`",
        ),
        ("LUT_3D_SIZE 257\n", 1, "from 2 to 256, found `257`"),
        (
            "\nLUT_1D_SIZE 65537\n",
            2,
            "LUT_1D_SIZE must be a whole number from 2 to 65536",
        ),
        ("LUT_3D_SIZE 17.0\n", 1, "found `17.0`"),
        ("LUT_3D_SIZE -3\n", 1, "found `-3`"),
        ("LUT_3D_SIZE\n", 1, "LUT_3D_SIZE takes 1 number, found 0"),
        (
            "LUT_3D_SIZE 2 2\n",
            1,
            "LUT_3D_SIZE takes 1 number, found 2",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\n1 1\n",
            3,
            "expected 3 numbers, found 2",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0 0\n1 1 1\n",
            2,
            "expected 3 numbers, found 4",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\n1 O.5 1\n",
            3,
            "`O.5` is not a number",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\nO.5 1 1\n",
            3,
            "`O.5` is not a number",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\n1,0 1 1\n",
            3,
            "`1,0` is not a number",
        ),
        (
            "LUT_1D_SIZE 2\n0 nan 0\n1 1 1\n",
            2,
            "`nan` is not a finite number",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\n1 inf 1\n",
            3,
            "`inf` is not a finite number",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\nNaN 1 1\n",
            3,
            "`NaN` is not a finite number",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\n1 1 1e39\n",
            3,
            "`1e39` is not a finite number",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\nTITLE \"late\"\n1 1 1\n",
            3,
            "TITLE after the table started",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\nDOMAIN_MAX 2 2 2\n1 1 1\n",
            3,
            "DOMAIN_MAX after the table",
        ),
        (
            "LUT_3D_SIZE 2\n0 0 0\n1 1 1\n\n",
            4,
            "the table ends early: expected 8 data rows, found 2",
        ),
        (
            "LUT_1D_SIZE 2\n0 0 0\n1 1 1\n1 1 1\n# x\n1 1 1\n",
            4,
            "too many data rows: expected 2, found 4",
        ),
        (
            "DOMAIN_MIN 0 0 1\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n",
            1,
            "the blue domain minimum (1) must be below its maximum (1)",
        ),
        (
            "LUT_1D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 -1 1\n0 0 0\n1 1 1\n",
            3,
            "the green domain minimum (0) must be below its maximum (-1)",
        ),
        (
            "LUT_1D_SIZE 2\nDOMAIN_MAX 1 1\n",
            2,
            "DOMAIN_MAX takes 3 numbers, found 2",
        ),
        (
            "LUT_1D_SIZE 2\nDOMAIN_MIN 0 x 0\n",
            2,
            "`x` is not a number",
        ),
        (
            "LUT_1D_SIZE 2\nDOMAIN_MIN 0 nan 0\n",
            2,
            "`nan` is not a finite number",
        ),
        (
            "LUT_1D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MIN 0 0 0\n",
            3,
            "DOMAIN_MIN is given twice",
        ),
        (
            "LUT_1D_SIZE 2\nDOMAIN_MIN 0 0 0\nLUT_1D_INPUT_RANGE 0 1\n",
            3,
            "both by DOMAIN_MIN/DOMAIN_MAX and by an INPUT_RANGE",
        ),
        (
            "LUT_1D_SIZE 2\nLUT_3D_INPUT_RANGE 0 1\n",
            2,
            "LUT_3D_INPUT_RANGE does not match",
        ),
        (
            "LUT_3D_INPUT_RANGE 0 1\nLUT_1D_SIZE 2\n",
            2,
            "LUT_3D_INPUT_RANGE does not match",
        ),
        (
            "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 1 0\n0 0 0\n",
            2,
            "the red domain minimum (1) must be below its maximum (0)",
        ),
        (
            "TITLE \"open\nLUT_1D_SIZE 2\n",
            1,
            "TITLE's closing quote is missing",
        ),
        ("TITLE \"a\"\nTITLE \"b\"\n", 2, "TITLE is given twice"),
    ];
    for (text, line, message) in cases {
        let (got_line, got) = refusal(text);
        assert_eq!(got_line, Some(*line), "{text:?} → {got}");
        assert!(
            got.starts_with(&format!("grade.cube, line {line}: ")),
            "{text:?} → {got}"
        );
        assert!(
            got.contains(message),
            "{text:?} → {got}\n  expected it to contain {message:?}"
        );
    }
}

#[test]
fn crlf_line_numbers_count_lines_not_bytes() {
    let (line, message) = refusal("# one\r\nLUT_1D_SIZE 2\r\n0 0 0\r\n1 1\r\n");
    assert_eq!(line, Some(4), "{message}");
}

#[test]
fn lut_use_round_trips_through_its_name() {
    for kind in LutUse::ALL {
        assert_eq!(LutUse::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(LutUse::parse(" Creative "), Some(LutUse::Creative));
    assert_eq!(LutUse::Delivery.as_str(), "delivery");
    assert_eq!(LutUse::parse("look"), None);
}

/// `kind` and the domain are public; a table changed after validation must not panic.
#[test]
fn a_table_changed_after_validation_gives_nan_instead_of_panicking() {
    let mut lut = Lut::identity_3d(3).unwrap();
    lut.kind = LutKind::ThreeD { size: 4 };
    assert!(lut.apply([0.5; 3]).iter().all(|v| v.is_nan()));
    lut.kind = LutKind::ThreeD { size: usize::MAX };
    assert!(lut.apply_tetrahedral([0.5; 3]).iter().all(|v| v.is_nan()));
    let mut lut = Lut::identity_1d(4).unwrap();
    lut.domain_min = [2.0; 3];
    assert!(lut.apply([0.5; 3]).iter().all(|v| v.is_nan()));
    lut.domain_min = [f32::NAN; 3];
    assert!(lut.apply([0.5; 3]).iter().all(|v| v.is_nan()));
}
