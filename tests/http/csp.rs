//! The pages obey their own Content-Security-Policy (`style-src 'self'; script-src 'self'`):
//! no template carries an inline `style=` or `on…=` attribute, and no page of the demo
//! company does either (the SVG built in Rust included), nor weighs over 2 MB.

use std::collections::{HashSet, VecDeque};
use std::path::Path;

use axum::http::{StatusCode, header};

use crate::support::TestApp;

/// The largest page allowed, in bytes.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// How many pages the crawl fetches at most.
const MAX_PAGES: usize = 400;

/// The inline `style=` and `on…=` attributes in template or HTML text: an attribute name
/// after whitespace or a quote, then `=` and a value (so `{% if on == x %}` is not one).
pub fn inline_attributes(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (i, _) in text.match_indices(['s', 'o']) {
        let before_ok = i > 0
            && matches!(
                bytes[i - 1],
                b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b'}'
            );
        if !before_ok {
            continue;
        }
        let rest = &text[i..];
        let name_len = if rest.starts_with("style") {
            5
        } else if let Some(tail) = rest.strip_prefix("on") {
            let letters = tail.bytes().take_while(u8::is_ascii_lowercase).count();
            if letters == 0 {
                continue;
            }
            2 + letters
        } else {
            continue;
        };
        let after = rest[name_len..].trim_start_matches([' ', '\t']);
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        if value
            .trim_start_matches([' ', '\t'])
            .starts_with(['"', '\'', '{'])
        {
            let end = rest.char_indices().nth(60).map_or(rest.len(), |(at, _)| at);
            found.push(rest[..end].to_owned());
        }
    }
    found
}

fn template_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("templates dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            template_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_scanner_finds_inline_styles_and_handlers() {
    assert_eq!(inline_attributes(r#"<td style="x">"#).len(), 1);
    assert_eq!(inline_attributes(r#"<b onclick="f()">"#).len(), 1);
    assert_eq!(inline_attributes("<b\n  onload = 'f()'>").len(), 1);
    assert_eq!(inline_attributes(r#"<div style={{ s }}>"#).len(), 1);
    assert!(inline_attributes(r#"<td class="x" data-print hidden>on style"#).is_empty());
    assert!(inline_attributes("{% if one == two %}{% let done = 1 %}").is_empty());
    assert!(inline_attributes(r#"<a href="/x?style=y">"#).is_empty());
}

#[test]
fn no_template_carries_an_inline_style_or_handler() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut files = Vec::new();
    template_files(&root, &mut files);
    assert!(files.len() > 50, "found {} templates", files.len());
    let mut offences = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("template text");
        for hit in inline_attributes(&text) {
            offences.push(format!("{}: {hit}", file.display()));
        }
    }
    assert!(
        offences.is_empty(),
        "inline attributes:\n{}",
        offences.join("\n")
    );
}

/// The inline `style` and `on…` attributes of the elements of a parsed page.
pub fn inline_attributes_in_dom(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let mut found = Vec::new();
    for node in doc.root_element().descendants() {
        if let Some(el) = node.value().as_element() {
            for (name, value) in el.attrs() {
                if name == "style" || name.starts_with("on") {
                    found.push(format!("<{} {name}=\"{value}\">", el.name()));
                }
            }
        }
    }
    found
}

/// A same-origin page worth fetching: not a download, an export, a file or sign-out.
fn crawlable(href: &str) -> Option<String> {
    let href = href.split('#').next().unwrap_or("");
    if !href.starts_with('/') || href.starts_with("//") {
        return None;
    }
    let path = href.split('?').next().unwrap_or("");
    let skip = ["export", "download", "/photos/", "/attachments/", "/files/"];
    let skip_prefix = ["/static/", "/logout", "/metrics", "/healthz"];
    let skip_suffix = [
        ".xml", ".ics", ".csv", ".xlsx", ".png", ".jpg", ".pdf", ".ico",
    ];
    if skip.iter().any(|s| href.contains(s))
        || skip_prefix.iter().any(|s| path.starts_with(s))
        || skip_suffix.iter().any(|s| path.ends_with(s))
        || href.contains("format=")
    {
        return None;
    }
    Some(href.replace("&amp;", "&"))
}

/// Every page of the demo company, breadth-first from the dashboard (the demo project's
/// task list, Gantt, progress and earned-value pages first): no inline style or handler,
/// none over 2 MB, no server error, and no write made by a GET.
#[tokio::test]
async fn every_page_of_the_demo_company_obeys_the_csp() {
    let app = TestApp::spawn().await;
    let login = girder::fixtures::demo::ensure(&app.state.db)
        .await
        .expect("demo data");
    let mut owner = app.client();
    owner.login(&login.email, &login.password).await;
    let project = app
        .count("select id from project where code = 'DEMO-01'")
        .await;
    let audit_before = app.count("select count(*) from audit_log").await;

    let must_see = [
        format!("/projects/{project}/tasks"),
        format!("/projects/{project}/gantt"),
        format!("/projects/{project}/progress"),
        format!("/projects/{project}/cost/earned-value"),
        format!("/projects/{project}/baselines"),
    ];
    let mut queue: VecDeque<String> = VecDeque::from(vec!["/dashboard".to_owned()]);
    queue.extend(must_see.iter().cloned());
    let mut seen: HashSet<String> = queue.iter().cloned().collect();
    let mut fetched = Vec::new();
    let mut offences = Vec::new();
    let link = scraper::Selector::parse("a[href]").expect("selector");
    let mut largest = (0, String::new());
    while let Some(path) = queue.pop_front() {
        if fetched.len() >= MAX_PAGES {
            break;
        }
        let r = owner.get(&path).await;
        fetched.push(path.clone());
        assert!(r.status.as_u16() < 500, "{path}: {}\n{}", r.status, r.body);
        if r.status != StatusCode::OK {
            continue;
        }
        let html = r
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !html {
            continue;
        }
        if r.bytes.len() > largest.0 {
            largest = (r.bytes.len(), path.clone());
        }
        assert!(
            r.bytes.len() <= MAX_PAGE_BYTES,
            "{path} is {} bytes",
            r.bytes.len()
        );
        for hit in inline_attributes_in_dom(&r.body) {
            offences.push(format!("{path}: {hit}"));
        }
        for a in r.html().select(&link) {
            if let Some(next) = a.value().attr("href").and_then(crawlable)
                && seen.insert(next.clone())
            {
                queue.push_back(next);
            }
        }
    }
    eprintln!(
        "crawled {} pages ({} more queued); largest {} bytes at {}",
        fetched.len(),
        queue.len(),
        largest.0,
        largest.1
    );
    assert!(
        offences.is_empty(),
        "inline attributes:\n{}",
        offences.join("\n")
    );
    for page in &must_see {
        assert!(fetched.contains(page), "{page} was not fetched");
    }
    assert!(fetched.len() >= 100, "only {} pages found", fetched.len());
    assert_eq!(
        app.count("select count(*) from audit_log").await,
        audit_before,
        "a GET wrote to the audit log"
    );
}
