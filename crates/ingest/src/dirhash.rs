//! ASC MHL directory hashes, as pure functions over a list of paths and file hashes.
//!
//! The content hash of a directory hashes the sorted hex/c4 strings of its children's content
//! hashes (decoded to bytes and concatenated); the structure hash does the same over, per
//! child, `hash(name bytes ++ child hash bytes)` where the child hash is a file's content hash or
//! a sub-directory's structure hash. This is what the reference tool computes, and the fixture
//! scenarios check it.
use crate::hash::{digest_bytes, hash_bytes, HashAlgorithm, HashError};
use std::collections::BTreeMap;

/// One node of the tree being hashed. Paths are relative, `/`-separated, without `ascmhl/`.
#[derive(Clone, Debug)]
pub enum TreeNode<'a> {
    File { path: &'a str, hash: &'a str },
    Dir { path: &'a str },
}

/// Content and structure hash of one directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirHash {
    pub content: String,
    pub structure: String,
}

/// Hash of a list of digests the way ASC MHL combines them: sorted as strings, bytes
/// concatenated.
pub fn hash_of_hash_list(
    algorithm: HashAlgorithm,
    mut list: Vec<String>,
) -> Result<String, HashError> {
    list.sort();
    let mut data = Vec::new();
    for item in &list {
        data.extend(digest_bytes(algorithm, item)?);
    }
    Ok(hash_bytes(algorithm, &data))
}

fn parent_and_name(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

/// Computes the hashes of every directory in `nodes` and of the root (key `""`).
/// Directories that hold nothing still get hashes (the hash of no data).
pub fn directory_hashes(
    algorithm: HashAlgorithm,
    nodes: &[TreeNode<'_>],
) -> Result<BTreeMap<String, DirHash>, HashError> {
    // children per directory: (name, content hash, hash used for structure)
    let mut dirs: BTreeMap<String, Vec<(String, Option<String>)>> = BTreeMap::new();
    dirs.insert(String::new(), Vec::new());
    for node in nodes {
        let path = match node {
            TreeNode::File { path, .. } | TreeNode::Dir { path } => *path,
        };
        // make sure every ancestor exists, so intermediate directories are hashed too
        let mut p = path;
        while !p.is_empty() {
            let (parent, _) = parent_and_name(p);
            dirs.entry(parent.to_string()).or_default();
            p = parent;
        }
        if let TreeNode::Dir { path } = node {
            dirs.entry(path.to_string()).or_default();
        }
    }
    for node in nodes {
        if let TreeNode::File { path, hash } = node {
            let (parent, name) = parent_and_name(path);
            if let Some(children) = dirs.get_mut(parent) {
                children.push((name.to_string(), Some(hash.to_string())));
            }
        }
    }
    let dir_paths: Vec<String> = dirs.keys().filter(|k| !k.is_empty()).cloned().collect();
    for d in &dir_paths {
        let (parent, name) = parent_and_name(d);
        if let Some(children) = dirs.get_mut(parent) {
            children.push((name.to_string(), None));
        }
    }
    // deepest first, so sub-directories are done before their parents
    let mut order: Vec<String> = dirs.keys().cloned().collect();
    order.sort_by_key(|p| {
        std::cmp::Reverse(if p.is_empty() {
            0
        } else {
            p.matches('/').count() + 1
        })
    });
    let mut done: BTreeMap<String, DirHash> = BTreeMap::new();
    for dir in order {
        let mut content = Vec::new();
        let mut structure = Vec::new();
        for (name, file_hash) in &dirs[&dir] {
            let (child_content, child_structure) = match file_hash {
                Some(h) => (h.clone(), h.clone()),
                None => {
                    let child = if dir.is_empty() {
                        name.clone()
                    } else {
                        format!("{dir}/{name}")
                    };
                    let h = &done[&child];
                    (h.content.clone(), h.structure.clone())
                }
            };
            let mut data = name.as_bytes().to_vec();
            data.extend(digest_bytes(algorithm, &child_structure)?);
            structure.push(hash_bytes(algorithm, &data));
            content.push(child_content);
        }
        let hash = DirHash {
            content: hash_of_hash_list(algorithm, content)?,
            structure: hash_of_hash_list(algorithm, structure)?,
        };
        done.insert(dir, hash);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scenario 01 of the reference tool: values from its log.
    #[test]
    fn reference_scenario_01() {
        let nodes = [
            TreeNode::Dir { path: "Clips" },
            TreeNode::File {
                path: "Clips/A002C006_141024_R2EC.mov",
                hash: "0ea03b369a463d9d",
            },
            TreeNode::File {
                path: "Clips/A002C007_141024_R2EC.mov",
                hash: "7680e5f98f4a80fd",
            },
            TreeNode::File {
                path: "Sidecar.txt",
                hash: "3ab5a4166b9bde44",
            },
        ];
        let h = directory_hashes(HashAlgorithm::Xxh64, &nodes).unwrap();
        assert_eq!(h["Clips"].content, "4c226b42e27d7af3");
        assert_eq!(h["Clips"].structure, "906faa843d591a9f");
        assert_eq!(h[""].content, "8d02114c32e28cbe");
        assert_eq!(h[""].structure, "f557f8ca8e5a88ef");
    }

    #[test]
    fn reference_scenario_03_md5() {
        let nodes = [
            TreeNode::File {
                path: "Clips/A002C006_141024_R2EC.mov",
                hash: "f5ac8127b3b6b85cdc13f237c6005d80",
            },
            TreeNode::File {
                path: "Clips/A002C007_141024_R2EC.mov",
                hash: "614dd0e977becb4c6f7fa99e64549b12",
            },
            TreeNode::File {
                path: "Sidecar.txt",
                hash: "6425c5a180ca0f420dd2b25be4536a91",
            },
        ];
        let h = directory_hashes(HashAlgorithm::Md5, &nodes).unwrap();
        assert_eq!(h["Clips"].content, "202a2d71b56b080d9b089c1f4f29a4ba");
        assert_eq!(h["Clips"].structure, "4a739024fd19d928e9dea6bb5c480200");
        assert_eq!(h[""].content, "6fae2da9bc6dca45486cb91bfea6db70");
        assert_eq!(h[""].structure, "be1f2eaed208efbed061845a64cacdfa");
    }

    #[test]
    fn empty_tree_hashes_no_data() {
        let h = directory_hashes(HashAlgorithm::Xxh64, &[TreeNode::Dir { path: "a/b" }]).unwrap();
        assert_eq!(h["a/b"].content, hash_bytes(HashAlgorithm::Xxh64, b""));
        assert!(h.contains_key("a"));
    }
}
