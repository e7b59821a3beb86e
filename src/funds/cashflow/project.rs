//! A project's funds page: what its contracts are worth, what was certified, received,
//! invoiced and paid, what is receivable and payable, retention both ways, cash in and out by
//! month against the fund plan with the projected balance, and the chart.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use rust_decimal::Decimal;

use super::domain::{self, ContractMoney, Release};
use super::queries;
use super::views::MonthRow;
use crate::error::AppResult;
use crate::ids::ContractId;
use crate::roles::Permission;
use crate::tenancy::project::Project;
use crate::tenancy::{Funds, ProjectTx};
use crate::web::format::money;
use crate::web::{Layout, Page};

/// A figure of the summary: its label key, the amount, and an id for tests and anchors.
#[derive(Debug, Clone)]
pub struct Figure {
    pub id: &'static str,
    pub key: &'static str,
    pub amount: String,
}

/// A contract's line in the project's lists.
#[derive(Debug, Clone)]
pub struct ContractLine {
    pub id: ContractId,
    pub number: String,
    pub title: String,
    pub counterparty: String,
    pub value: String,
    /// Income: certified, received, receivable. Expense: invoiced, paid, payable.
    pub done: String,
    pub settled: String,
    pub open: String,
    pub due_to_pay: String,
    pub retention: String,
    pub release_on: String,
    pub release_state: &'static str,
}

fn line(k: &ContractMoney, today: chrono::NaiveDate) -> ContractLine {
    let (done, settled, open) = if k.is_income() {
        (k.certified, k.received, k.receivable)
    } else {
        (k.invoiced, k.paid_total(), k.payable)
    };
    let held = k.retention_held;
    ContractLine {
        id: k.id,
        number: k.number.clone(),
        title: k.title.clone(),
        counterparty: k.counterparty.clone(),
        value: money(k.current_amount),
        done: money(done),
        settled: money(settled),
        open: money(open),
        due_to_pay: money(k.due_to_pay),
        retention: money(held),
        release_on: k
            .retention_release_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        release_state: if held > Decimal::ZERO {
            Release::of(k.retention_release_on, today).as_str()
        } else {
            ""
        },
    }
}

#[derive(Template)]
#[template(path = "funds/project.html")]
pub struct ProjectFundsPage {
    pub layout: Layout,
    pub project: Project,
    pub figures: Vec<Figure>,
    pub months: Vec<MonthRow>,
    pub opening: String,
    pub chart: String,
    pub warning: Option<String>,
    pub income: Vec<ContractLine>,
    pub expense: Vec<ContractLine>,
    pub can_plan: bool,
}

/// GET /projects/{project_id}/funds
pub async fn show(mut p: ProjectTx<Funds>, page: Page) -> AppResult<Response> {
    let locale = page.locale;
    let project = p.project.clone();
    let today = p.tx.tenant().today();
    let current = domain::month_of(today);
    let actual = queries::by_month(&queries::months(&mut p.tx, Some(project.id)).await?);
    let plan_rows = queries::plans(
        &mut p.tx,
        Some(project.id),
        domain::add_months(current, -24),
    )
    .await?;
    let plan = queries::plan_by_month(&plan_rows);
    let (first, last) = super::domain::range(&actual, &plan, today);
    let timeline = domain::timeline(&actual, &plan, first, last, current);
    let contracts = queries::contracts(&mut p.tx, Some(project.id), queries::Pick::All).await?;
    let t = domain::totals(&contracts);
    let cash = domain::balance(actual.range(..=current).map(|(_, f)| f));
    let (cash_in, cash_out) = actual
        .range(..=current)
        .fold((Decimal::ZERO, Decimal::ZERO), |(i, o), (_, f)| {
            (i + f.inflow, o + f.outflow)
        });
    let fig = |id, key, amount: Decimal| Figure {
        id,
        key,
        amount: super::views::signed(amount),
    };
    let figures = vec![
        fig("income-value", "funds_flow.income_value", t.income_value),
        fig("certified", "funds_flow.certified", t.certified),
        fig("received", "funds_flow.received", t.received),
        fig("receivable", "funds_flow.receivable", t.receivable),
        fig("expense-value", "funds_flow.expense_value", t.expense_value),
        fig("invoiced", "funds_flow.invoiced", t.invoiced),
        fig("paid", "funds_flow.paid", t.paid),
        fig("payable", "funds_flow.payable", t.payable),
        fig("due-to-pay", "funds_flow.due_to_pay", t.due_to_pay),
        fig(
            "retention-by-others",
            "funds_flow.retention_by_others",
            t.retention_by_others,
        ),
        fig(
            "retention-from-others",
            "funds_flow.retention_from_others",
            t.retention_from_others,
        ),
        fig("cash-in", "funds_flow.cash_in", cash_in),
        fig("cash-out", "funds_flow.cash_out", cash_out),
        fig("cash-balance", "funds_flow.cash_balance", cash),
    ];
    let html = ProjectFundsPage {
        layout: page.layout(&p.tx, "funds_flow.project_title"),
        figures,
        months: super::views::month_rows(&timeline),
        opening: super::views::signed(timeline.opening),
        chart: super::views::chart_svg(locale, &timeline),
        warning: super::views::negative_warning(locale, &timeline),
        income: contracts
            .iter()
            .filter(|k| k.is_income())
            .map(|k| line(k, today))
            .collect(),
        expense: contracts
            .iter()
            .filter(|k| !k.is_income())
            .map(|k| line(k, today))
            .collect(),
        can_plan: p.tx.user().role.has(Permission::PlanFunds),
        project,
    }
    .render()?;
    Ok(Html(html).into_response())
}
