//! The `.cube` parser over generated input: it never panics, every refusal points at a line
//! of the file, what it accepts can be applied to any colour, and written tables read back equal.
use postflow_core::lut::{parse_cube, Lut, LutKind};
use proptest::prelude::*;

/// A valid 3D file with a title, comments, a domain and CRLF in places.
const VALID: &str = "# generated\r\nTITLE \"valid\"\nLUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\r\nDOMAIN_MAX 1 1 1\n\n0 0 0\n1 0 0\n0 1 0\n# middle\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n";

/// Lines that look like the format: keywords, numbers, near-misses.
fn cube_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("LUT_3D_SIZE 2".to_string()),
        Just("LUT_1D_SIZE 3".to_string()),
        Just("LUT_3D_INPUT_RANGE 0 1".to_string()),
        Just("LUT_1D_INPUT_RANGE -1 1".to_string()),
        Just("DOMAIN_MIN 0 0 0".to_string()),
        Just("DOMAIN_MAX 1 1 1".to_string()),
        Just("TITLE \"t\"".to_string()),
        Just("TITLE \"".to_string()),
        Just("# comment".to_string()),
        Just(String::new()),
        Just("nan 0 0".to_string()),
        Just("inf -inf 1".to_string()),
        Just("\u{feff}".to_string()),
        "(LUT_[13]D_SIZE|DOMAIN_M(IN|AX)|LUT_[13]D_INPUT_RANGE) ?[-+0-9.e]{0,12}( [-+0-9.e]{0,8}){0,3}",
        "[-+]?[0-9]{0,3}(\\.[0-9]{0,4})?( [-+]?[0-9]{0,3}(\\.[0-9]{0,4})?){0,4}",
        ".{0,40}",
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Replace(usize, String),
    Insert(usize, String),
    Swap(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), cube_line()).prop_map(|(i, l)| Mutation::Replace(i, l)),
        (any::<usize>(), cube_line()).prop_map(|(i, l)| Mutation::Insert(i, l)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::Swap(i, j)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    for m in mutations {
        let n = lines.len().max(1);
        match m {
            Mutation::Delete(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Mutation::Duplicate(i) if !lines.is_empty() => {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
            Mutation::Replace(i, l) if !lines.is_empty() => lines[i % n] = l.clone(),
            Mutation::Insert(i, l) => lines.insert(i % (lines.len() + 1), l.clone()),
            Mutation::Swap(i, j) if !lines.is_empty() => lines.swap(i % n, j % n),
            Mutation::Truncate(at) => {
                let joined = lines.join("\n");
                let mut cut = at % (joined.len() + 1);
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                lines = joined[..cut].split('\n').map(str::to_string).collect();
            }
            _ => {}
        }
    }
    lines.join("\n")
}

/// Parses; on success applies it to a few colours (in, out of and at the edges of the domain);
/// on refusal checks that the line is one of the file's.
fn check(text: &str, probes: &[[f32; 3]]) -> Result<(), TestCaseError> {
    match parse_cube("fuzz.cube", text) {
        Ok(lut) => {
            prop_assert_eq!(lut.table().len(), lut.kind.rows());
            for &rgb in probes {
                let _ = lut.apply(rgb);
                let _ = lut.apply_tetrahedral(rgb);
            }
        }
        Err(err) => {
            let lines = text.lines().count().max(1);
            let line = err.line();
            prop_assert!(
                matches!(line, Some(l) if (1..=lines).contains(&l)),
                "{} (file has {} lines)",
                err,
                lines
            );
            prop_assert!(err.to_string().starts_with("fuzz.cube, line "), "{}", err);
        }
    }
    Ok(())
}

fn probes() -> impl Strategy<Value = Vec<[f32; 3]>> {
    prop::collection::vec(
        prop::array::uniform3(prop_oneof![
            any::<f32>(),
            -0.5f32..1.5,
            Just(0.0),
            Just(1.0),
            Just(f32::NAN),
        ]),
        0..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}", probes in probes()) {
        check(&text, &probes)?;
    }

    #[test]
    fn cube_like_text_never_panics(lines in prop::collection::vec(cube_line(), 0..30), crlf in any::<bool>(), probes in probes()) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        check(&text, &probes)?;
    }

    #[test]
    fn mutated_valid_files_never_panic(mutations in prop::collection::vec(mutation(), 1..6), probes in probes()) {
        let text = mutate(VALID, &mutations);
        check(&text, &probes)?;
    }

    #[test]
    fn written_tables_read_back_equal(
        three_d in any::<bool>(),
        size in 2usize..6,
        values in prop::collection::vec(prop::array::uniform3(-1e6f32..1e6), 216),
        lo in prop::array::uniform3(-10f32..10.0),
        span in prop::array::uniform3(0.001f32..100.0),
        title in prop::option::of("[^\"\\p{Cc}]{0,20}"),
    ) {
        let kind = if three_d { LutKind::ThreeD { size } } else { LutKind::OneD { size } };
        let hi: [f32; 3] = std::array::from_fn(|i| lo[i] + span[i]);
        prop_assume!((0..3).all(|i| lo[i] < hi[i]));
        let table = values[..kind.rows()].to_vec();
        let lut = Lut::new(title, kind, lo, hi, table).unwrap();
        let back = parse_cube("written.cube", &lut.to_cube_string());
        prop_assert_eq!(back, Ok(lut));
    }

    /// Both interpolations are weighted averages of table entries, so a table inside 0..=1
    /// gives outputs inside 0..=1 for any input.
    #[test]
    fn outputs_stay_within_the_tables_range(
        size in 2usize..5,
        values in prop::collection::vec(prop::array::uniform3(0f32..=1.0), 64),
        rgb in prop::array::uniform3(any::<f32>()),
    ) {
        let kind = LutKind::ThreeD { size };
        let lut = Lut::new(None, kind, [0.0; 3], [1.0; 3], values[..kind.rows()].to_vec()).unwrap();
        for out in [lut.apply(rgb), lut.apply_tetrahedral(rgb)] {
            prop_assert!(out.iter().all(|v| (-1e-6..=1.0 + 1e-6).contains(v)), "{:?} → {:?}", rgb, out);
        }
    }
}

#[test]
fn the_valid_file_is_valid() {
    let lut = parse_cube("valid.cube", VALID).unwrap();
    assert_eq!(
        lut,
        Lut::identity_3d(2)
            .map(|mut l| {
                l.title = Some("valid".into());
                l
            })
            .unwrap()
    );
}
