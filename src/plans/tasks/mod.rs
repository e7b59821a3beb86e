//! WBS handlers: the task table, adding, editing, moving and deleting tasks, links, and the
//! task list export. Every change that moves dates reschedules in the same transaction; a
//! refused network is undone to a savepoint and the page says why, naming the tasks.

mod edit;
mod list;
mod page;

pub use edit::{MoveForm, add_link, create, delete, delete_link, move_task, update};
pub use list::{ExportQuery, ListQuery, export, list};
pub use page::{TaskPageParts, show, task_page};

use std::collections::HashMap;

use super::queries::{self, Task};
use super::reschedule;
use super::wbs::{Place, Wbs};
use crate::error::AppResult;
use crate::ids::TaskId;
use crate::schedule::LinkKind;
use crate::tenancy::ProjectTx;
use crate::tenancy::{Module, Plans};

/// The project's tasks in outline order, with their outline numbers and depth.
pub struct Outline {
    pub tasks: Vec<(Task, String, u32)>,
    pub links: Vec<queries::Link>,
}

impl Outline {
    pub async fn load<M: Module>(p: &mut ProjectTx<M>) -> AppResult<Self> {
        let id = p.project.id;
        let tasks = queries::tasks(&mut p.tx, id).await?;
        let links = queries::links(&mut p.tx, id).await?;
        Ok(Self::new(tasks, links))
    }

    pub fn new(tasks: Vec<Task>, links: Vec<queries::Link>) -> Self {
        let wbs = Wbs::new(tasks.iter().map(place_of));
        let mut by_id: HashMap<TaskId, Task> = tasks.into_iter().map(|t| (t.id, t)).collect();
        let tasks = wbs
            .outline()
            .into_iter()
            .filter_map(|o| by_id.remove(&TaskId(o.id)).map(|t| (t, o.outline, o.depth)))
            .collect();
        Self { tasks, links }
    }

    pub fn name(&self, id: TaskId) -> String {
        self.tasks
            .iter()
            .find(|(t, _, _)| t.id == id)
            .map(|(t, o, _)| format!("{o} {}", t.name))
            .unwrap_or_default()
    }
}

pub fn place_of(t: &Task) -> Place {
    Place {
        id: t.id.0,
        parent: t.parent_id.map(|p| p.0),
        sort_order: t.sort_order,
    }
}

fn date_text(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Which page of the task list to show: `page` if given, else the one holding `focus` (the
/// task just added, moved or chosen to insert below), else the first.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListAt {
    pub page: i64,
    pub focus: Option<TaskId>,
}

impl ListAt {
    fn focus(id: Option<TaskId>) -> Self {
        Self { page: 0, focus: id }
    }
}

/// Reschedules after a change made since `savepoint`. On a refusal the change is undone and
/// the message comes back for the page.
async fn reschedule_or_undo(p: &mut ProjectTx<Plans>) -> AppResult<Result<(), String>> {
    let locale = p.tx.user().locale;
    let project = p.project.clone();
    match reschedule::reschedule(&mut p.tx, &project, locale).await? {
        Ok(_) => Ok(Ok(())),
        Err(message) => {
            p.tx.rollback_to_savepoint().await?;
            Ok(Err(message))
        }
    }
}

async fn users_of(p: &mut ProjectTx<Plans>) -> AppResult<Vec<i64>> {
    Ok(queries::active_users(&mut p.tx)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

/// The link types for the task page's select.
pub fn link_kinds() -> [LinkKind; 4] {
    LinkKind::ALL
}
