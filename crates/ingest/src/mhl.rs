//! ASC MHL v2 hash lists and chain files as plain data, their XML writer and reader, and a
//! reader for MHL v1 (`<hashlist version="1.1">`) files. No file system access here.
//!
//! The writer follows `ASCMHL.xsd` / `ASCMHLDirectory.xsd` and lays the XML out as the reference
//! tool does (two-space indentation, hash elements in schema order).
use crate::hash::HashAlgorithm;
use quick_xml::escape::escape;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde::Serialize;
use std::fmt::Write as _;

pub const MHL_FOLDER: &str = "ascmhl";
pub const CHAIN_FILE: &str = "ascmhl_chain.xml";
/// Patterns written into `<ignore>`; the same set the reference tool uses by default.
pub const DEFAULT_IGNORE: [&str; 3] = [".DS_Store", "ascmhl", "ascmhl/"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Original,
    Verified,
    Failed,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Original => "original",
            Action::Verified => "verified",
            Action::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HashRecord {
    pub algorithm: HashAlgorithm,
    pub value: String,
    pub action: Option<Action>,
    pub hash_date: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub size: Option<u64>,
    pub last_modified: Option<String>,
    pub hashes: Vec<HashRecord>,
    pub previous_path: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DirRecord {
    pub algorithm: HashAlgorithm,
    pub content: String,
    pub structure: String,
    pub hash_date: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DirEntry {
    pub path: String,
    pub last_modified: Option<String>,
    pub hashes: Vec<DirRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Entry {
    File(FileEntry),
    Dir(DirEntry),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub path: String,
    pub c4: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CreatorInfo {
    pub creation_date: String,
    pub hostname: String,
    pub tool_name: String,
    pub tool_version: String,
    pub location: Option<String>,
    pub comment: Option<String>,
}

/// One generation (one `.mhl` file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HashList {
    pub creator: CreatorInfo,
    /// `in-place`, `transfer` or `flatten`.
    pub process: String,
    pub root_hash: Vec<DirRecord>,
    pub ignore: Vec<String>,
    pub entries: Vec<Entry>,
    pub references: Vec<Reference>,
}

impl HashList {
    pub fn files(&self) -> impl Iterator<Item = &FileEntry> {
        self.entries.iter().filter_map(|e| match e {
            Entry::File(f) => Some(f),
            Entry::Dir(_) => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainEntry {
    pub sequence: u32,
    pub path: String,
    pub c4: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MhlParseError {
    #[error("not well-formed XML: {0}")]
    Xml(String),
    #[error("not an ASC MHL file: {0}")]
    Shape(String),
}

fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s)
}

fn write_dir_records(out: &mut String, indent: &str, records: &[DirRecord]) {
    let mut sorted: Vec<&DirRecord> = records.iter().collect();
    sorted.sort_by_key(|r| r.algorithm);
    for (tag, pick) in [("content", true), ("structure", false)] {
        let _ = writeln!(out, "{indent}<{tag}>");
        for r in &sorted {
            let value = if pick { &r.content } else { &r.structure };
            let date = r
                .hash_date
                .as_ref()
                .map(|d| format!(" hashdate=\"{}\"", esc(d)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{indent}  <{a}{date}>{v}</{a}>",
                a = r.algorithm.name(),
                v = esc(value)
            );
        }
        let _ = writeln!(out, "{indent}</{tag}>");
    }
}

/// Serialises a generation as schema-valid ASC MHL v2 XML.
pub fn write_hash_list(list: &HashList) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<hashlist version=\"2.0\" xmlns=\"urn:ASC:MHL:v2.0\">\n");
    let c = &list.creator;
    out.push_str("  <creatorinfo>\n");
    let _ = writeln!(
        out,
        "    <creationdate>{}</creationdate>",
        esc(&c.creation_date)
    );
    let _ = writeln!(out, "    <hostname>{}</hostname>", esc(&c.hostname));
    let _ = writeln!(
        out,
        "    <tool version=\"{}\">{}</tool>",
        esc(&c.tool_version),
        esc(&c.tool_name)
    );
    if let Some(l) = &c.location {
        let _ = writeln!(out, "    <location>{}</location>", esc(l));
    }
    if let Some(cm) = &c.comment {
        let _ = writeln!(out, "    <comment>{}</comment>", esc(cm));
    }
    out.push_str("  </creatorinfo>\n  <processinfo>\n");
    let _ = writeln!(out, "    <process>{}</process>", esc(&list.process));
    if !list.root_hash.is_empty() {
        out.push_str("    <roothash>\n");
        write_dir_records(&mut out, "      ", &list.root_hash);
        out.push_str("    </roothash>\n");
    }
    if !list.ignore.is_empty() {
        out.push_str("    <ignore>\n");
        for p in &list.ignore {
            let _ = writeln!(out, "      <pattern>{}</pattern>", esc(p));
        }
        out.push_str("    </ignore>\n");
    }
    out.push_str("  </processinfo>\n");
    // the schema wants at least one child in <hashes>, so an empty list leaves it out
    if !list.entries.is_empty() {
        out.push_str("  <hashes>\n");
        for e in &list.entries {
            match e {
                Entry::File(f) => {
                    out.push_str("    <hash>\n");
                    let mut attrs = String::new();
                    if let Some(s) = f.size {
                        let _ = write!(attrs, " size=\"{s}\"");
                    }
                    if let Some(d) = &f.last_modified {
                        let _ = write!(attrs, " lastmodificationdate=\"{}\"", esc(d));
                    }
                    let _ = writeln!(out, "      <path{attrs}>{}</path>", esc(&f.path));
                    let mut hashes: Vec<&HashRecord> = f.hashes.iter().collect();
                    hashes.sort_by_key(|h| h.algorithm);
                    for h in hashes {
                        let mut attrs = String::new();
                        if let Some(a) = h.action {
                            let _ = write!(attrs, " action=\"{}\"", a.name());
                        }
                        if let Some(d) = &h.hash_date {
                            let _ = write!(attrs, " hashdate=\"{}\"", esc(d));
                        }
                        let _ = writeln!(
                            out,
                            "      <{a}{attrs}>{v}</{a}>",
                            a = h.algorithm.name(),
                            v = esc(&h.value)
                        );
                    }
                    if let Some(p) = &f.previous_path {
                        let _ = writeln!(out, "      <previousPath>{}</previousPath>", esc(p));
                    }
                    out.push_str("    </hash>\n");
                }
                Entry::Dir(d) => {
                    out.push_str("    <directoryhash>\n");
                    let attrs = d
                        .last_modified
                        .as_ref()
                        .map(|m| format!(" lastmodificationdate=\"{}\"", esc(m)))
                        .unwrap_or_default();
                    let _ = writeln!(out, "      <path{attrs}>{}</path>", esc(&d.path));
                    write_dir_records(&mut out, "      ", &d.hashes);
                    out.push_str("    </directoryhash>\n");
                }
            }
        }
        out.push_str("  </hashes>\n");
    }
    if !list.references.is_empty() {
        out.push_str("  <references>\n");
        for r in &list.references {
            out.push_str("    <hashlistreference>\n");
            let _ = writeln!(out, "      <path>{}</path>", esc(&r.path));
            let _ = writeln!(out, "      <c4>{}</c4>", esc(&r.c4));
            out.push_str("    </hashlistreference>\n");
        }
        out.push_str("  </references>\n");
    }
    out.push_str("</hashlist>\n");
    out
}

/// Serialises a chain file.
pub fn write_chain(entries: &[ChainEntry]) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<ascmhldirectory xmlns=\"urn:ASC:MHL:DIRECTORY:v2.0\">\n");
    for e in entries {
        let _ = writeln!(out, "  <hashlist sequencenr=\"{}\">", e.sequence);
        let _ = writeln!(out, "    <path>{}</path>", esc(&e.path));
        let _ = writeln!(out, "    <c4>{}</c4>", esc(&e.c4));
        out.push_str("  </hashlist>\n");
    }
    out.push_str("</ascmhldirectory>\n");
    out
}

/// A small element tree, enough for these documents and free of panics on odd input.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_string())
    }
}

fn parse_tree(xml: &[u8]) -> Result<Node, MhlParseError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut buf = Vec::new();
    let xml_err = |e: &dyn std::fmt::Display| MhlParseError::Xml(e.to_string());
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(xml_err(&e)),
            Ok(Event::Eof) => break,
            Ok(Event::Start(s)) => {
                stack.push(element(&s)?);
            }
            Ok(Event::Empty(s)) => {
                let node = element(&s)?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(node);
                }
            }
            Ok(Event::End(_)) => {
                if stack.len() < 2 {
                    return Err(MhlParseError::Xml("unbalanced end tag".into()));
                }
                if let Some(node) = stack.pop() {
                    if let Some(top) = stack.last_mut() {
                        top.children.push(node);
                    }
                }
            }
            Ok(Event::Text(t)) => {
                let s = t.unescape().map_err(|e| xml_err(&e))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Ok(Event::CData(t)) => {
                let s = String::from_utf8_lossy(&t).to_string();
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    if stack.len() != 1 {
        return Err(MhlParseError::Xml("document ends inside an element".into()));
    }
    let mut doc = stack.pop().unwrap_or_default();
    doc.children
        .pop()
        .ok_or_else(|| MhlParseError::Shape("empty document".into()))
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    match s.rfind(':') {
        Some(i) => s[i + 1..].to_string(),
        None => s.to_string(),
    }
}

fn element(s: &quick_xml::events::BytesStart<'_>) -> Result<Node, MhlParseError> {
    let mut node = Node {
        name: local(s.name().as_ref()),
        ..Node::default()
    };
    for a in s.attributes() {
        let a = a.map_err(|e| MhlParseError::Xml(e.to_string()))?;
        let v = a
            .unescape_value()
            .map_err(|e| MhlParseError::Xml(e.to_string()))?;
        node.attrs.push((local(a.key.as_ref()), v.to_string()));
    }
    Ok(node)
}

fn dir_records(node: &Node) -> Vec<DirRecord> {
    let mut out: Vec<DirRecord> = Vec::new();
    if let Some(content) = node.child("content") {
        for h in &content.children {
            if let Some(algorithm) = HashAlgorithm::from_name(&h.name) {
                out.push(DirRecord {
                    algorithm,
                    content: h.text.trim().to_string(),
                    structure: String::new(),
                    hash_date: h.attr("hashdate").map(str::to_string),
                });
            }
        }
    }
    if let Some(structure) = node.child("structure") {
        for h in &structure.children {
            if let Some(r) = out.iter_mut().find(|r| r.algorithm.name() == h.name) {
                r.structure = h.text.trim().to_string();
            }
        }
    }
    out
}

fn parse_action(s: Option<&str>) -> Option<Action> {
    match s? {
        "original" => Some(Action::Original),
        "verified" | "new" => Some(Action::Verified),
        "failed" => Some(Action::Failed),
        _ => None,
    }
}

/// Reads an ASC MHL v2 generation.
pub fn parse_hash_list(xml: &[u8]) -> Result<HashList, MhlParseError> {
    let root = parse_tree(xml)?;
    if root.name != "hashlist" || root.attr("version").map(|v| v.starts_with('1')) == Some(true) {
        return Err(MhlParseError::Shape(format!(
            "root element is <{}> version {:?}, expected <hashlist version=\"2.0\">",
            root.name,
            root.attr("version")
        )));
    }
    let mut list = HashList::default();
    if let Some(ci) = root.child("creatorinfo") {
        list.creator = CreatorInfo {
            creation_date: ci.text_of("creationdate").unwrap_or_default(),
            hostname: ci.text_of("hostname").unwrap_or_default(),
            tool_name: ci.text_of("tool").unwrap_or_default(),
            tool_version: ci
                .child("tool")
                .and_then(|t| t.attr("version"))
                .unwrap_or_default()
                .to_string(),
            location: ci.text_of("location"),
            comment: ci.text_of("comment"),
        };
    }
    if let Some(pi) = root.child("processinfo") {
        list.process = pi.text_of("process").unwrap_or_default();
        if let Some(rh) = pi.child("roothash") {
            list.root_hash = dir_records(rh);
        }
        if let Some(ig) = pi.child("ignore") {
            list.ignore = ig
                .children
                .iter()
                .filter(|c| c.name == "pattern")
                .map(|c| c.text.clone())
                .collect();
        }
    }
    if let Some(hashes) = root.child("hashes") {
        for h in &hashes.children {
            let path_node = h.child("path");
            let path = path_node.map(|p| p.text.clone()).unwrap_or_default();
            if path.is_empty() {
                return Err(MhlParseError::Shape(format!("<{}> without <path>", h.name)));
            }
            let last_modified = path_node
                .and_then(|p| p.attr("lastmodificationdate"))
                .map(str::to_string);
            match h.name.as_str() {
                "hash" => {
                    let size = match path_node.and_then(|p| p.attr("size")) {
                        Some(s) => Some(s.trim().parse::<u64>().map_err(|_| {
                            MhlParseError::Shape(format!("size `{s}` of {path} is not a number"))
                        })?),
                        None => None,
                    };
                    let hashes = h
                        .children
                        .iter()
                        .filter_map(|c| {
                            HashAlgorithm::from_name(&c.name).map(|algorithm| HashRecord {
                                algorithm,
                                value: c.text.trim().to_string(),
                                action: parse_action(c.attr("action")),
                                hash_date: c.attr("hashdate").map(str::to_string),
                            })
                        })
                        .collect();
                    list.entries.push(Entry::File(FileEntry {
                        path,
                        size,
                        last_modified,
                        hashes,
                        previous_path: h.text_of("previousPath"),
                    }));
                }
                "directoryhash" => list.entries.push(Entry::Dir(DirEntry {
                    path,
                    last_modified,
                    hashes: dir_records(h),
                })),
                _ => {}
            }
        }
    }
    if let Some(refs) = root.child("references") {
        for r in refs
            .children
            .iter()
            .filter(|c| c.name == "hashlistreference")
        {
            list.references.push(Reference {
                path: r.text_of("path").unwrap_or_default(),
                c4: r.text_of("c4").unwrap_or_default(),
            });
        }
    }
    Ok(list)
}

/// Reads an `ascmhl_chain.xml` file.
pub fn parse_chain(xml: &[u8]) -> Result<Vec<ChainEntry>, MhlParseError> {
    let root = parse_tree(xml)?;
    if root.name != "ascmhldirectory" {
        return Err(MhlParseError::Shape(format!(
            "root element is <{}>, expected <ascmhldirectory>",
            root.name
        )));
    }
    let mut out = Vec::new();
    for h in root.children.iter().filter(|c| c.name == "hashlist") {
        let seq = h.attr("sequencenr").unwrap_or("");
        let sequence = seq.trim().parse::<u32>().map_err(|_| {
            MhlParseError::Shape(format!("sequencenr `{seq}` is not a whole number"))
        })?;
        out.push(ChainEntry {
            sequence,
            path: h.text_of("path").unwrap_or_default(),
            c4: h.text_of("c4").unwrap_or_default(),
        });
    }
    Ok(out)
}

/// One file of an MHL v1 list. Hash values are converted to the v2 spelling; formats v2 does
/// not know (xxh32, `null`) are left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct V1Entry {
    pub path: String,
    pub size: Option<u64>,
    pub hashes: Vec<(HashAlgorithm, String)>,
}

/// Reads a Pomfort-style MHL v1 file (`<hashlist version="1.x">` with `<hash><file>…`).
pub fn parse_v1(xml: &[u8]) -> Result<Vec<V1Entry>, MhlParseError> {
    let root = parse_tree(xml)?;
    if root.name != "hashlist" || !root.attr("version").unwrap_or("").starts_with('1') {
        return Err(MhlParseError::Shape("not an MHL v1 hash list".into()));
    }
    let mut out = Vec::new();
    for h in root.children.iter().filter(|c| c.name == "hash") {
        let Some(path) = h.text_of("file") else {
            continue;
        };
        let size = h.text_of("size").and_then(|s| s.parse().ok());
        let mut hashes = Vec::new();
        for c in &h.children {
            let v = c.text.trim().to_ascii_lowercase();
            match c.name.as_str() {
                "md5" => hashes.push((HashAlgorithm::Md5, v)),
                "sha1" => hashes.push((HashAlgorithm::Sha1, v)),
                "xxhash64be" => hashes.push((HashAlgorithm::Xxh64, v)),
                // `xxhash64` is the same value with its bytes in little-endian order
                "xxhash64" => {
                    if let Ok(mut b) = hex::decode(&v) {
                        b.reverse();
                        hashes.push((HashAlgorithm::Xxh64, hex::encode(b)));
                    }
                }
                _ => {}
            }
        }
        out.push(V1Entry {
            path: path.replace('\\', "/"),
            size,
            hashes,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO_03_GEN2: &str = include_str!(
        "../../../tests/fixtures/ascmhl/scenarios/scenario_03/file_server/A002R2EC/ascmhl/0002_A002R2EC_2020-01-17_143000Z.mhl"
    );

    #[test]
    fn reads_and_writes_reference_generation() {
        let list = parse_hash_list(SCENARIO_03_GEN2.as_bytes()).unwrap();
        assert_eq!(list.creator.tool_name, "ascmhl.py");
        assert_eq!(list.root_hash.len(), 1);
        assert_eq!(
            list.root_hash[0].structure,
            "be1f2eaed208efbed061845a64cacdfa"
        );
        assert_eq!(list.files().count(), 3);
        // our writer lays the document out exactly as the reference tool did
        assert_eq!(write_hash_list(&list), SCENARIO_03_GEN2);
    }

    #[test]
    fn chain_round_trip() {
        let c = vec![ChainEntry {
            sequence: 1,
            path: "0001_a_2020-01-01_000000Z.mhl".into(),
            c4: "c4x".into(),
        }];
        assert_eq!(parse_chain(write_chain(&c).as_bytes()).unwrap(), c);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            "",
            "<",
            "<hashlist>",
            "<a></b>",
            "<hashlist version=\"2.0\"><hashes><hash/></hashes></hashlist>",
        ] {
            assert!(parse_hash_list(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(
            parse_chain(b"<ascmhldirectory><hashlist sequencenr=\"x\"/></ascmhldirectory>")
                .is_err()
        );
    }

    #[test]
    fn reads_v1() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<hashlist version="1.1"><creatorinfo><tool>x</tool></creatorinfo>
<hash><file>Clips\A.mov</file><size>5</size><xxhash64be>0EA03B369A463D9D</xxhash64be><md5>aa</md5><hashdate>x</hashdate></hash>
<hash><file>B.mov</file><size>4</size><xxhash64>fd804a8ff9e58076</xxhash64></hash>
</hashlist>"#;
        let v = parse_v1(xml.as_bytes()).unwrap();
        assert_eq!(v[0].path, "Clips/A.mov");
        assert_eq!(
            v[0].hashes[0],
            (HashAlgorithm::Xxh64, "0ea03b369a463d9d".into())
        );
        assert_eq!(
            v[1].hashes[0],
            (HashAlgorithm::Xxh64, "7680e5f98f4a80fd".into())
        );
    }
}
