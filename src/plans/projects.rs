//! Project handlers: the list, create (blank or from a template), the project home, edit,
//! archive, members, and saving a project as a template.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::domain::{
    BUILTIN_TEMPLATES, PROJECT_ROLES, PROJECT_STATUSES, ProjectForm, TemplateBody, builtin_template,
};
use super::queries::{self, ProjectFilter};
use super::views::*;
use super::{reschedule, templates};
use crate::audit::{Action, Change, snapshot};
use crate::error::{AppError, AppResult, ResultExt};
use crate::i18n::{self, Locale};
use crate::ids::UserId;
use crate::roles::Permission;
use crate::tenancy::ProjectTx;
use crate::tenancy::project::Project;
use crate::tenancy::{Plans, TenantTx};
use crate::web::form::Choice;
use crate::web::form::{self, FieldErrors};
use crate::web::pager::MAX_PAGE;
use crate::web::registry;
use crate::web::{AppForm, Page};

const PAGE_SIZE: i64 = 25;

/// Milestones listed on a project's home page.
const MAX_MILESTONES: usize = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub manager: String,
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub archived: String,
    pub page: i64,
}

pub async fn list(
    mut tx: TenantTx<Plans>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let user = tx.user().clone();
    let sort = match q.sort.as_str() {
        "name" | "start" | "finish" | "progress" | "status" => q.sort.clone(),
        _ => "code".to_owned(),
    };
    let filter = ProjectFilter {
        status: PROJECT_STATUSES
            .contains(&q.status.as_str())
            .then(|| q.status.clone()),
        manager: q.manager.parse().ok(),
        text: q.q.trim().chars().take(100).collect(),
        archived: !q.archived.is_empty(),
        sort: sort.clone(),
        descending: q.dir == "desc",
    };
    let current = q.page.clamp(1, MAX_PAGE);
    let (rows, total) =
        queries::list_projects(&mut tx, &filter, PAGE_SIZE, (current - 1) * PAGE_SIZE).await?;
    let managers = user_choices(&mut tx).await?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("status", filter.status.as_deref().unwrap_or(""))
        .append_pair("manager", &q.manager)
        .append_pair("q", &filter.text)
        .append_pair("archived", if filter.archived { "1" } else { "" })
        .append_pair("sort", &sort)
        .append_pair("dir", if filter.descending { "desc" } else { "asc" })
        .finish();
    Ok(Html(
        ProjectListPage {
            layout: page.layout(&tx, "plans.projects_title"),
            rows,
            total,
            page: current,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            status: filter.status.unwrap_or_default(),
            manager: q.manager,
            q: filter.text,
            dir: if filter.descending {
                "desc".into()
            } else {
                "asc".into()
            },
            sort,
            archived: filter.archived,
            managers,
            statuses: &PROJECT_STATUSES,
            can_create: user.role.has(Permission::CreateProjects),
            query,
        }
        .render()?,
    ))
}

pub(super) async fn user_choices<M: crate::tenancy::Module>(
    tx: &mut TenantTx<M>,
) -> AppResult<Vec<Choice>> {
    Ok(queries::active_users(tx)
        .await?
        .into_iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name,
        })
        .collect())
}

async fn template_choices(tx: &mut TenantTx<Plans>, locale: Locale) -> AppResult<Vec<Choice>> {
    let mut out: Vec<Choice> = BUILTIN_TEMPLATES
        .iter()
        .map(|(key, label)| Choice {
            value: format!("builtin:{key}"),
            label: i18n::t(locale, label).to_owned(),
        })
        .collect();
    for (id, name) in templates::list(tx).await? {
        out.push(Choice {
            value: format!("saved:{id}"),
            label: name,
        });
    }
    Ok(out)
}

async fn form_page(
    tx: &mut TenantTx<Plans>,
    page: &Page,
    project: Option<Project>,
    form: ProjectForm,
    errors: FieldErrors,
    theirs: Option<ProjectForm>,
) -> AppResult<String> {
    let locale = tx.user().locale;
    let managers = user_choices(tx).await?;
    let calendars = queries::list_calendars(tx).await?;
    let templates = if project.is_none() {
        template_choices(tx, locale).await?
    } else {
        Vec::new()
    };
    let title = if project.is_some() {
        "plans.edit_project"
    } else {
        "plans.new_project"
    };
    Ok(ProjectFormPage {
        layout: page.layout(tx, title),
        project,
        form,
        errors,
        managers,
        calendars,
        templates,
        statuses: &PROJECT_STATUSES,
        theirs,
    }
    .render()?)
}

pub async fn new_form(mut tx: TenantTx<Plans>, page: Page) -> AppResult<Html<String>> {
    tx.require(Permission::CreateProjects)?;
    let me = tx.user().id;
    let calendar = queries::default_calendar_id(&mut tx).await?;
    let today = tx
        .tenant()
        .now
        .with_timezone(&tx.tenant().time_zone)
        .date_naive();
    let form = ProjectForm {
        status: "planning".into(),
        planned_start: today.to_string(),
        calendar_id: calendar.map(|c| c.to_string()).unwrap_or_default(),
        manager_id: me.0.to_string(),
        ..Default::default()
    };
    Ok(Html(
        form_page(&mut tx, &page, None, form, FieldErrors::default(), None).await?,
    ))
}

async fn pickable(tx: &mut TenantTx<Plans>) -> AppResult<(Vec<i64>, Vec<i64>)> {
    let users = queries::active_users(tx)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let calendars = queries::list_calendars(tx)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok((users, calendars))
}

pub async fn create(
    mut tx: TenantTx<Plans>,
    page: Page,
    AppForm(f): AppForm<ProjectForm>,
) -> AppResult<Response> {
    tx.require(Permission::CreateProjects)?;
    let (users, calendars) = pickable(&mut tx).await?;
    let locale = tx.user().locale;
    let template: Option<TemplateBody> = match f.template.split_once(':') {
        None if f.template.is_empty() => None,
        Some(("builtin", key)) => builtin_template(key, locale == Locale::ZhCn),
        Some(("saved", id)) => match id.parse() {
            Ok(id) => templates::body(&mut tx, id).await?,
            Err(_) => None,
        },
        _ => None,
    };
    let mut fields = f.validate(&users, &calendars);
    if !f.template.is_empty() && template.is_none() {
        let mut e = fields.err().unwrap_or_default();
        e.add("template", "form.invalid_choice");
        fields = Err(e);
    }
    let fields = match fields {
        Ok(v) => v,
        Err(errors) => {
            let html = form_page(&mut tx, &page, None, f, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let me = tx.user().id;
    // A taken code is answered by the unique key; the savepoint keeps the form drawable.
    tx.savepoint().await?;
    let inserted = queries::insert_project(&mut tx, &fields, me).await;
    let Ok(id) = tx
        .unless_taken(inserted, "project_tenant_id_code_key")
        .await?
    else {
        let mut errors = FieldErrors::default();
        errors.add("code", "plans.code_taken");
        let html = form_page(&mut tx, &page, None, f, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    // The creator and the manager belong to the project.
    queries::upsert_member(&mut tx, id, me.0, "manager").await?;
    if let Some(manager) = fields.manager_id
        && manager != me.0
    {
        queries::upsert_member(&mut tx, id, manager, "manager").await?;
    }
    if let Some(body) = &template {
        templates::apply(&mut tx, id, body, me).await?;
    }
    let project = crate::tenancy::project::find_project(&mut tx, id.get())
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(message) = reschedule::reschedule(&mut tx, &project, locale).await? {
        return Err(AppError::BadRequest(message.into()));
    }
    tx.audit(Change {
        entity: "project",
        entity_id: Some(id.get()),
        action: Action::Create,
        summary: &fields.code,
        before: None,
        after: snapshot(&f),
    })
    .await?;
    tx.commit().await?;
    page.session.flash(true, "plans.project_created").await?;
    Ok(Redirect::to(&format!("/projects/{id}")).into_response())
}

pub async fn show(mut p: ProjectTx<Plans>, page: Page) -> AppResult<Html<String>> {
    let members = queries::members(&mut p.tx, p.project.id).await?;
    let users = user_choices(&mut p.tx).await?;
    let tasks = queries::tasks(&mut p.tx, p.project.id).await?;
    let baseline_finish = crate::plans::baselines::latest_finish(&mut p.tx, p.project.id).await?;
    let mut milestones: Vec<(String, chrono::NaiveDate, bool)> = tasks
        .iter()
        .filter(|t| t.milestone && !t.is_summary)
        .filter_map(|t| Some((t.name.clone(), t.early_finish?, t.actual_finish.is_some())))
        .collect();
    milestones.sort_by_key(|m| m.1);
    // The home page lists the first milestones by date; the Gantt and task list hold the rest.
    let more = milestones.len().saturating_sub(MAX_MILESTONES);
    let milestones_more =
        (more > 0).then(|| i18n::tf(page.locale, "pager.more_milestones", &[("n", &more)]));
    milestones.truncate(MAX_MILESTONES);
    let role = p.tx.user().role;
    let layout = page.layout(&p.tx, "plans.project_home");
    let (scope, user, tenant) = p.tx.parts();
    let (banners, cards) =
        registry::project_panels(scope, user, tenant, &layout, &p.project).await?;
    Ok(Html(
        ProjectHomePage {
            layout,
            banners,
            cards,
            tab: "home",
            members,
            users,
            roles: &PROJECT_ROLES,
            task_count: tasks.len(),
            milestones,
            milestones_more,
            baseline_finish,
            can_edit: role.has(Permission::EditSchedule),
            can_create: role.has(Permission::CreateProjects),
            member_error: None,
            project: p.project,
        }
        .render()?,
    ))
}

fn form_of(p: &Project) -> ProjectForm {
    ProjectForm {
        code: p.code.clone(),
        name: p.name.clone(),
        client: p.client.clone(),
        project_type: p.project_type.clone(),
        location: p.location.clone(),
        contract_amount: p.contract_amount.to_string(),
        planned_start: p.planned_start.to_string(),
        planned_finish: p.planned_finish.map(|d| d.to_string()).unwrap_or_default(),
        status: p.status.as_str().to_owned(),
        manager_id: p.manager_id.map(|m| m.to_string()).unwrap_or_default(),
        calendar_id: p.calendar_id.to_string(),
        template: String::new(),
        version: p.version,
    }
}

pub async fn edit_form(mut p: ProjectTx<Plans>, page: Page) -> AppResult<Html<String>> {
    p.require(Permission::EditSchedule)?;
    let form = form_of(&p.project);
    let project = p.project.clone();
    Ok(Html(
        form_page(
            &mut p.tx,
            &page,
            Some(project),
            form,
            FieldErrors::default(),
            None,
        )
        .await?,
    ))
}

pub async fn update(
    mut p: ProjectTx<Plans>,
    page: Page,
    AppForm(f): AppForm<ProjectForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let (users, calendars) = pickable(&mut p.tx).await?;
    let project = p.project.clone();
    let fields = match f.validate(&users, &calendars) {
        Ok(v) => v,
        Err(errors) => {
            let html = form_page(&mut p.tx, &page, Some(project), f, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let me = p.tx.user().id;
    p.tx.savepoint().await?;
    let updated = queries::update_project(&mut p.tx, project.id, &fields, f.version, me).await;
    let Ok(saved) =
        p.tx.unless_taken(updated, "project_tenant_id_code_key")
            .await?
    else {
        let mut errors = FieldErrors::default();
        errors.add("code", "plans.code_taken");
        let html = form_page(&mut p.tx, &page, Some(project), f, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    if saved.is_none() {
        let theirs = form_of(&project);
        let html = form_page(
            &mut p.tx,
            &page,
            Some(project),
            f,
            FieldErrors::default(),
            Some(theirs),
        )
        .await?;
        return Ok((StatusCode::CONFLICT, Html(html)).into_response());
    }
    // The manager belongs to the project, or could not open it.
    if let Some(manager) = fields.manager_id {
        queries::upsert_member(&mut p.tx, project.id, manager, "manager").await?;
    }
    // Start date and calendar move every date.
    p.reload().await?;
    let locale = p.tx.user().locale;
    if let Err(message) = reschedule::reschedule(&mut p.tx, &p.project, locale).await? {
        return Err(AppError::BadRequest(message.into()));
    }
    p.tx.audit(Change {
        entity: "project",
        entity_id: Some(project.id.get()),
        action: Action::Update,
        summary: &fields.code,
        before: snapshot(&form_of(&project)),
        after: snapshot(&f),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("/projects/{}", project.id)).into_response())
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ArchiveForm {
    pub archived: String,
}

pub async fn archive(
    mut p: ProjectTx<Plans>,
    page: Page,
    AppForm(f): AppForm<ArchiveForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let archived = f.archived == "1";
    let me = p.tx.user().id;
    let id = p.project.id;
    queries::set_archived(&mut p.tx, id, archived, me).await?;
    p.tx.audit(Change {
        entity: "project",
        entity_id: Some(id.get()),
        action: Action::Update,
        summary: if archived { "archived" } else { "restored" },
        before: None,
        after: None,
    })
    .await?;
    p.commit().await?;
    page.session
        .flash(
            true,
            if archived {
                "plans.archived"
            } else {
                "plans.restored"
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/projects/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct MemberForm {
    pub user_id: String,
    pub project_role: String,
    /// "remove" to take the member off the project.
    pub action: String,
}

pub async fn member(
    mut p: ProjectTx<Plans>,
    page: Page,
    AppForm(f): AppForm<MemberForm>,
) -> AppResult<Response> {
    p.require(Permission::EditSchedule)?;
    let id = p.project.id;
    let users: Vec<i64> = queries::active_users(&mut p.tx)
        .await?
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    let user = f.user_id.parse::<i64>().ok().filter(|u| users.contains(u));
    let Some(user) = user else {
        return Err(AppError::BadRequest(
            i18n::t(p.tx.user().locale, "plans.pick_user")
                .to_owned()
                .into(),
        ));
    };
    if f.action == "remove" {
        queries::remove_member(&mut p.tx, id, user).await?;
    } else if PROJECT_ROLES.contains(&f.project_role.as_str()) {
        queries::upsert_member(&mut p.tx, id, user, &f.project_role).await?;
    } else {
        return Err(AppError::BadRequest(
            i18n::t(p.tx.user().locale, "form.invalid_choice")
                .to_owned()
                .into(),
        ));
    }
    p.tx.audit(Change {
        entity: "project_member",
        entity_id: Some(id.get()),
        action: if f.action == "remove" {
            Action::Delete
        } else {
            Action::Update
        },
        summary: &f.project_role,
        before: None,
        after: snapshot(&f),
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "settings.saved").await?;
    Ok(Redirect::to(&format!("/projects/{id}#members")).into_response())
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SaveTemplateForm {
    pub name: String,
}

pub async fn save_template(
    mut p: ProjectTx<Plans>,
    page: Page,
    AppForm(f): AppForm<SaveTemplateForm>,
) -> AppResult<Response> {
    p.require(Permission::CreateProjects)?;
    let mut errors = FieldErrors::default();
    let name = form::text(&mut errors, "name", &f.name, true, 200);
    let locale = p.tx.user().locale;
    if let Some(key) = errors.get("name") {
        return Err(AppError::BadRequest(i18n::t(locale, key).to_owned().into()));
    }
    let id = p.project.id;
    let me: UserId = p.tx.user().id;
    // A taken name is answered by the unique key; the error page needs no more queries.
    let saved = templates::save(&mut p.tx, id, &name, me)
        .await
        .on_constraint("project_template_tenant_id_name_key", || AppError::Conflict);
    match saved {
        Ok(_) => {}
        Err(AppError::Conflict) => {
            return Err(AppError::BadRequest(
                i18n::t(locale, "plans.template_name_taken")
                    .to_owned()
                    .into(),
            ));
        }
        Err(e) => return Err(e),
    }
    p.tx.audit(Change {
        entity: "project_template",
        entity_id: Some(id.get()),
        action: Action::Create,
        summary: &name,
        before: None,
        after: None,
    })
    .await?;
    p.commit().await?;
    page.session.flash(true, "plans.template_saved").await?;
    Ok(Redirect::to(&format!("/projects/{id}")).into_response())
}
