//! The layers, as a test that reads `src/`: foundation → features → `app`, each module
//! importing only the layers below it (and, inside the foundation, only the modules listed
//! before it), and features depending on one another without a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The foundation, bottom first: a module may use those of a lower rank only.
const FOUNDATION: [(&str, u8); 16] = [
    ("i18n", 0),
    ("ids", 0),
    ("schedule", 0),
    ("config", 1),
    ("roles", 1),
    ("telemetry", 2),
    ("mail", 2),
    ("error", 2),
    ("licence", 3),
    ("db", 4),
    ("state", 5),
    ("audit", 6),
    ("jobs", 6),
    ("auth", 7),
    ("tenancy", 8),
    ("web", 9),
];

const FEATURES: [&str; 11] = [
    "account",
    "admin",
    "changes",
    "cost",
    "dashboard",
    "funds",
    "labour",
    "plans",
    "platform",
    "progress",
    "signup",
];

/// Demo and bench data: above the features, below `app`.
const FIXTURES: [&str; 1] = ["fixtures"];

const FEATURE_RANK: u8 = 20;
const FIXTURE_RANK: u8 = 30;
const APP_RANK: u8 = 40;

fn rank(module: &str) -> Option<u8> {
    FOUNDATION
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, r)| *r)
        .or_else(|| FEATURES.contains(&module).then_some(FEATURE_RANK))
        .or_else(|| FIXTURES.contains(&module).then_some(FIXTURE_RANK))
        .or_else(|| (module == "app").then_some(APP_RANK))
}

/// Every `crate::<module>` a file names, with the line it is on.
fn references(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            if !name.is_empty() {
                out.push((n + 1, name));
            }
        }
    }
    out
}

/// `(file, module it belongs to)` for every source file but `lib.rs` and `main.rs`; a feature's
/// `demo.rs` and `bench.rs` count as fixtures.
fn files(src: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(relative) = path.strip_prefix(src) else {
                continue;
            };
            let relative = relative.to_string_lossy().replace('\\', "/");
            if !relative.ends_with(".rs") || relative == "lib.rs" || relative == "main.rs" {
                continue;
            }
            let top = relative
                .split('/')
                .next()
                .unwrap_or_default()
                .trim_end_matches(".rs")
                .to_owned();
            let module = if relative.ends_with("/demo.rs") || relative.ends_with("/bench.rs") {
                "fixtures".to_owned()
            } else {
                top
            };
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            out.push((relative, module, text));
        }
    }
    out
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut upward = Vec::new();
    let mut unknown = BTreeSet::new();
    let mut features: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, module, text) in files(&src) {
        let Some(own) = rank(&module) else {
            unknown.insert(module);
            continue;
        };
        for (line, target) in references(&text) {
            if target == module || (module == "fixtures" && FIXTURES.contains(&target.as_str())) {
                continue;
            }
            let Some(theirs) = rank(&target) else {
                unknown.insert(target);
                continue;
            };
            if own == FEATURE_RANK && theirs == FEATURE_RANK {
                features.entry(module.clone()).or_default().insert(target);
            } else if theirs >= own {
                upward.push(format!("{file}:{line}: {module} uses {target}"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "modules missing from the layers: {unknown:?}"
    );
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));

    // A feature is in a cycle when it reaches itself.
    let in_cycle: BTreeSet<String> = features
        .keys()
        .filter(|start| {
            let mut seen = BTreeSet::new();
            let mut todo: Vec<&String> = features[*start].iter().collect();
            while let Some(next) = todo.pop() {
                if next == *start {
                    return true;
                }
                if seen.insert(next.clone()) {
                    todo.extend(features.get(next).into_iter().flatten());
                }
            }
            false
        })
        .cloned()
        .collect();
    assert!(
        in_cycle.is_empty(),
        "features in a dependency cycle: {in_cycle:?}"
    );
}

#[test]
fn the_scanner_sees_paths_in_use_lines_and_code() {
    let refs =
        references("use crate::web::{Page, Path};\nlet x = crate::plans::queries::tasks(tx);");
    assert_eq!(refs, vec![(1, "web".to_owned()), (2, "plans".to_owned())]);
}
