//! CSV as RFC 4180 writes it, for every list postflow exports: fields separated by commas,
//! records ended by CRLF, a field quoted (quotes doubled) when it holds a comma, quote or line
//! break. A field a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first — CSV
//! injection) gets a leading `'` and is quoted, except plain numbers like `-3` or `-1.5`.

/// One field.
pub fn field(value: &str) -> String {
    let numeric = value.parse::<f64>().is_ok();
    let value = if value.starts_with(['=', '+', '-', '@']) && !numeric {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with('\'') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A whole document: the header record, then one record per row.
pub fn document<R, F>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = Vec<F>>,
    F: AsRef<str>,
{
    let mut out = String::new();
    let mut record = |fields: &mut dyn Iterator<Item = String>| {
        let line: Vec<String> = fields.collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    };
    record(&mut header.iter().map(|h| field(h)));
    for row in rows {
        record(&mut row.iter().map(|f| field(f.as_ref())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-3"), "-3");
        assert_eq!(field("-1.5"), "-1.5");
        assert_eq!(field("@SUM"), "\"'@SUM\"");
        // The relink list's cases (app::media).
        assert_eq!(field("/media/A001C001.mov"), "/media/A001C001.mov");
        assert_eq!(field("/media/a,b.mov"), "\"/media/a,b.mov\"");
        assert_eq!(field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    }

    #[test]
    fn a_document_ends_every_record_in_crlf() {
        let doc = document(&["a", "b"], vec![vec!["1", "x,y"], vec!["2", ""]]);
        assert_eq!(doc, "a,b\r\n1,\"x,y\"\r\n2,\r\n");
    }
}
