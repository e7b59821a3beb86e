//! The demo company: a tenant with one user per role, so a first run has something to sign
//! in to. Each module issue adds its demo records here.

use chrono::Utc;

use crate::audit::{self, Action, Actor, Change};
use crate::auth::password;
use crate::auth::queries::{self as users, NewUser};
use crate::db::{Db, cross_tenant};
use crate::error::AppResult;
use crate::ids::UserId;
use crate::licence::plan::PlanFacts;
use crate::roles::Role;

/// The owner's sign-in for the demo company.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub email: String,
    pub password: String,
}

pub const DEMO_PASSWORD: &str = "girder-demo-2026";
const DEMO_COMPANY: &str = "示范建设集团 Demo Construction Group";

/// (email, name, role) of the demo users.
const DEMO_USERS: [(&str, &str, Role); 6] = [
    ("demo@girder.local", "王建国", Role::Owner),
    ("admin@girder.local", "陈静", Role::Admin),
    ("pm@girder.local", "李明", Role::ProjectManager),
    ("finance@girder.local", "赵丽", Role::Finance),
    ("foreman@girder.local", "张强", Role::Foreman),
    ("viewer@girder.local", "刘洋", Role::Viewer),
];

/// Create the demo company unless it exists; return its owner's sign-in.
pub async fn ensure(db: &Db) -> AppResult<DemoLogin> {
    let login = DemoLogin {
        email: DEMO_USERS[0].0.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
    };
    if let Some((tenant, owner)) = cross_tenant::find_login(db, &login.email).await? {
        // A demo company from before Plans existed gets its demo project now.
        let mut scope = db.begin_tenant(tenant).await?;
        if let Some(project) =
            crate::plans::queries::project_by_code(&mut scope, crate::plans::demo::DEMO_CODE)
                .await?
        {
            // A demo project from before Labour or Cost gets their records now.
            crate::labour::demo::create(&mut scope, project, owner, demo_today()).await?;
            crate::cost::demo::create(&mut scope, project, owner, demo_today()).await?;
            crate::funds::demo::create(&mut scope, project, owner, demo_today()).await?;
            crate::changes::demo::create(&mut scope, project, owner, demo_today()).await?;
            scope.commit().await?;
        } else {
            let members: Vec<UserId> = users::list_users(&mut scope)
                .await?
                .into_iter()
                .filter(|u| u.active)
                .map(|u| u.id)
                .collect();
            crate::plans::demo::create(&mut scope, owner, &members, demo_today()).await?;
            scope.commit().await?;
        }
        return Ok(login);
    }
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut scope = cross_tenant::create_tenant(
        db,
        DEMO_COMPANY,
        "zh-CN",
        PlanFacts::new_trial_end(Utc::now()),
    )
    .await?;
    let mut owner = None;
    let mut members = Vec::new();
    for (email, name, role) in DEMO_USERS {
        let id = users::insert_user(
            &mut scope,
            &NewUser {
                email,
                name,
                phone: None,
                role,
                locale: None,
                password_hash: &hash,
            },
            owner,
        )
        .await?;
        cross_tenant::insert_login(&mut scope, email, id).await?;
        owner.get_or_insert(id);
        members.push(id);
        audit::record(
            &mut scope,
            &Actor::System,
            Change {
                entity: "user",
                entity_id: Some(id.0),
                action: Action::Create,
                summary: "demo data",
                before: None,
                after: Some(
                    serde_json::json!({ "email": email, "name": name, "role": role.as_str() }),
                ),
            },
        )
        .await?;
    }
    if let Some(owner) = owner {
        crate::signup::seed_company(&mut scope, owner).await?;
        let today = Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive();
        crate::plans::demo::create(&mut scope, owner, &members, today).await?;
    }
    scope.commit().await?;
    Ok(login)
}

/// Today where the demo company is (Asia/Shanghai).
fn demo_today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}
