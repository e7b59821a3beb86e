//! How many statements a request sent through its tenant transaction: a page's count must not
//! grow with the company's projects, tasks or rows (a loop of queries per row shows here
//! first). `counted` runs a request with a counter; `TenantScope::conn` adds one per use,
//! which is one per statement.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static STATEMENTS: Cell<u32>;
}

/// Runs `request` with a statement counter: its output and how many statements it sent.
pub async fn counted<F: Future>(request: F) -> (F::Output, u32) {
    STATEMENTS
        .scope(Cell::new(0), async {
            let output = request.await;
            let count = STATEMENTS.try_with(Cell::get).unwrap_or(0);
            (output, count)
        })
        .await
}

/// One more statement, if a counter runs (outside a request, e.g. in a job, none does).
pub(super) fn count_one() {
    let _ = STATEMENTS.try_with(|n| n.set(n.get().saturating_add(1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn statements_are_counted_within_a_request_only() {
        count_one();
        let ((), n) = counted(async {
            count_one();
            count_one();
        })
        .await;
        assert_eq!(n, 2);
    }
}
