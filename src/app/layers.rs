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

/// A `crate::<module>` a file names: its line, the module, and the names used from it (the
/// next path segment, or each item of a `{…}` group), each with whether a path goes on past it.
#[derive(Debug, PartialEq)]
struct Reference {
    line: usize,
    module: String,
    names: Vec<(String, bool)>,
}

/// The name `text` starts with, and whether `::` follows it.
fn segment(text: &str) -> (String, bool) {
    let name = identifier(text);
    let deeper = text[name.len()..].trim_start().starts_with("::");
    (name, deeper)
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The top-level items of the `{…}` group `text` starts with.
fn group_items(text: &str) -> Vec<(String, bool)> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 1;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                items.push(segment(text[start..i].trim_start()));
                start = i + 1;
                if c == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    items
}

fn references(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        let module = identifier(rest);
        if module.is_empty() || !module.starts_with(|c: char| c.is_ascii_lowercase()) {
            continue;
        }
        let after = rest[module.len()..].strip_prefix("::").unwrap_or_default();
        let names = if after.starts_with('{') {
            group_items(after)
        } else {
            vec![segment(after)]
        };
        out.push(Reference {
            line: text[..at].matches('\n').count() + 1,
            module,
            names: names.into_iter().filter(|(n, _)| !n.is_empty()).collect(),
        });
    }
    out
}

/// The names a feature's `mod.rs` exports with `pub use` (its interface, which may share a
/// submodule's name: `pub use reschedule::reschedule`).
fn exported(mod_rs: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for statement in mod_rs.split(';') {
        let Some(at) = statement.find("pub use ") else {
            continue;
        };
        let path = &statement[at + "pub use ".len()..];
        let leaves = match (path.find('{'), path.rfind('}')) {
            (Some(open), Some(close)) => path[open + 1..close].split(',').collect(),
            _ => vec![path],
        };
        for leaf in leaves {
            let leaf = leaf.rsplit(" as ").next().unwrap_or(leaf);
            let name = leaf.rsplit("::").next().unwrap_or(leaf).trim();
            if !name.is_empty() {
                out.insert(name.to_owned());
            }
        }
    }
    out
}

/// The modules a feature's `mod.rs` declares: its inside, which other features may not name.
fn submodules(mod_rs: &str) -> BTreeSet<String> {
    mod_rs
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let line = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub "))
                .unwrap_or(line);
            let name = line.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.to_owned())
        })
        .collect()
}

/// `(file, module it belongs to, text)` for every source file but `lib.rs` and `main.rs`.
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
            let module = relative
                .split('/')
                .next()
                .unwrap_or_default()
                .trim_end_matches(".rs")
                .to_owned();
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
    let mut inward = Vec::new();
    let mut unknown = BTreeSet::new();
    let mut features: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, module, text) in files(&src) {
        let Some(own) = rank(&module) else {
            unknown.insert(module);
            continue;
        };
        for Reference {
            line,
            module: target,
            names,
        } in references(&text)
        {
            if target == module || (module == "fixtures" && FIXTURES.contains(&target.as_str())) {
                continue;
            }
            let Some(theirs) = rank(&target) else {
                unknown.insert(target);
                continue;
            };
            if own == FEATURE_RANK && theirs == FEATURE_RANK {
                let mod_rs =
                    std::fs::read_to_string(src.join(&target).join("mod.rs")).unwrap_or_default();
                let (inside, interface) = (submodules(&mod_rs), exported(&mod_rs));
                for (name, deeper) in &names {
                    if inside.contains(name) && (*deeper || !interface.contains(name)) {
                        inward.push(format!("{file}:{line}: {module} uses {target}::{name}"));
                    }
                }
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
    assert!(
        inward.is_empty(),
        "features reaching past another feature's mod.rs (name what they need there):\n{}",
        inward.join("\n")
    );

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
fn the_scanner_sees_paths_in_use_lines_groups_and_code() {
    let refs = references(
        "use crate::web::{Page, form::{self, Choice},\n  Path};\nlet x = crate::plans::queries::tasks(tx);",
    );
    let names = |n: &[(&str, bool)]| {
        n.iter()
            .map(|(s, deeper)| ((*s).to_owned(), *deeper))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        refs,
        vec![
            Reference {
                line: 1,
                module: "web".to_owned(),
                names: names(&[("Page", false), ("form", true), ("Path", false)]),
            },
            Reference {
                line: 3,
                module: "plans".to_owned(),
                names: names(&[("queries", true)]),
            },
        ]
    );
    let set = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    let mod_rs = "pub mod queries;\nmod views;\npub(crate) mod domain;\npub use views::X;\n\
                  pub use queries::{\n    Task, tasks as project_tasks,\n};\n";
    assert_eq!(submodules(mod_rs), set(&["domain", "queries", "views"]));
    assert_eq!(exported(mod_rs), set(&["X", "Task", "project_tasks"]));
}
