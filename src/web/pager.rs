//! One page of a long list: which rows it shows and the links to its neighbours, for lists a
//! handler holds whole (a project's outline, its warnings) and shows a window of, so a page's
//! size stays bounded however large the project. `templates/layout/_pager.html` draws it.

use std::ops::Range;

/// Rows of a project's task outline on one page (the task list, progress, the baseline
/// comparison, earned value, warnings): enough to work in, few enough that a page of a
/// 20,000-task project stays well under 2 MB.
pub const OUTLINE_ROWS_PER_PAGE: usize = 200;

/// Page numbers beyond this are clamped (an offset must not overflow).
pub const MAX_PAGE: i64 = 100_000;

use crate::i18n::{self, Locale};

/// The query string of a list's filter for its pager and export links: the pairs whose value
/// is not blank, trimmed, without the `?` (an empty filter gives "").
pub fn filter_query<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        let value = value.as_ref().trim();
        if !value.is_empty() {
            query.append_pair(key.as_ref(), value);
        }
    }
    query.finish()
}

/// A page of `total` rows, `per_page` at a time.
#[derive(Debug, Clone)]
pub struct Pager {
    /// 1-based, within `1..=pages`.
    pub page: usize,
    /// At least 1, even for an empty list.
    pub pages: usize,
    pub total: usize,
    per_page: usize,
    /// "Page 2 of 9 · rows 201–400 of 1,750", in the page's language.
    pub position: String,
    pub first: Option<String>,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub last: Option<String>,
}

impl Pager {
    /// The `requested` page (clamped into range: a stale link shows the nearest page) of a
    /// list of `total` rows; `href(n)` is the address of page `n`.
    pub fn new(
        locale: Locale,
        total: usize,
        per_page: usize,
        requested: i64,
        href: impl Fn(usize) -> String,
    ) -> Self {
        let per_page = per_page.max(1);
        let pages = total.div_ceil(per_page).max(1);
        let page = usize::try_from(requested).unwrap_or(1).clamp(1, pages);
        let shown = (page - 1) * per_page..(page * per_page).min(total);
        let position = i18n::tf(
            locale,
            "pager.position",
            &[
                ("page", &page),
                ("pages", &pages),
                ("from", &(shown.start + 1).min(total)),
                ("to", &shown.end),
                ("total", &total),
            ],
        );
        let link = |n: usize, show: bool| show.then(|| href(n));
        Self {
            page,
            pages,
            total,
            per_page,
            position,
            first: link(1, page > 2),
            previous: link(page.saturating_sub(1), page > 1),
            next: link(page + 1, page < pages),
            last: link(pages, page + 1 < pages),
        }
    }

    /// The page holding row `index` (0-based), for a link to a given row.
    pub fn page_of(index: usize, per_page: usize) -> i64 {
        i64::try_from(index / per_page.max(1) + 1).unwrap_or(1)
    }

    /// The rows of this page, as indexes into the whole list.
    pub fn range(&self) -> Range<usize> {
        (self.page - 1) * self.per_page..(self.page * self.per_page).min(self.total)
    }

    /// This page's rows of `all`.
    pub fn slice<'a, T>(&self, all: &'a [T]) -> &'a [T] {
        all.get(self.range()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_query_keeps_the_filled_pairs_trimmed_and_encoded() {
        let query = filter_query([
            ("project", " 7 "),
            ("status", ""),
            ("q", "  "),
            ("text", "钢 筋&"),
        ]);
        assert_eq!(query, "project=7&text=%E9%92%A2+%E7%AD%8B%26");
        assert_eq!(filter_query([("a", "")]), "");
    }

    fn pager(total: usize, requested: i64) -> Pager {
        Pager::new(Locale::En, total, 10, requested, |n| format!("?page={n}"))
    }

    #[test]
    fn first_middle_and_last_pages() {
        let p = pager(25, 1);
        assert_eq!((p.page, p.pages, p.range()), (1, 3, 0..10));
        assert_eq!(
            (p.previous.as_deref(), p.next.as_deref()),
            (None, Some("?page=2"))
        );
        assert_eq!(p.last.as_deref(), Some("?page=3"));
        let p = pager(25, 2);
        assert_eq!(p.range(), 10..20);
        assert_eq!(p.previous.as_deref(), Some("?page=1"));
        assert_eq!(p.first, None);
        let p = pager(25, 3);
        assert_eq!(
            (p.range(), p.next.clone(), p.last.clone()),
            (20..25, None, None)
        );
        assert_eq!(p.first.as_deref(), Some("?page=1"));
    }

    #[test]
    fn out_of_range_requests_show_the_nearest_page() {
        assert_eq!(pager(25, 0).page, 1);
        assert_eq!(pager(25, -4).page, 1);
        assert_eq!(pager(25, i64::MAX).page, 3);
        let empty = pager(0, 7);
        assert_eq!((empty.page, empty.pages, empty.range()), (1, 1, 0..0));
        assert!(empty.slice::<u8>(&[]).is_empty());
    }

    #[test]
    fn page_of_a_row() {
        assert_eq!(Pager::page_of(0, 10), 1);
        assert_eq!(Pager::page_of(9, 10), 1);
        assert_eq!(Pager::page_of(10, 10), 2);
    }
}
