//! `ProjectTx<M>`: a tenant transaction plus the project named by the `{project_id}` path
//! segment, loaded only if the user may see it (the database's `visible_project_ids`: a member,
//! or a holder of `Permission::SeeAllProjects`). A project the user may not see answers 404,
//! exactly like one that does not exist.

use std::ops::{Deref, DerefMut};

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use super::queries::{self, Project};
use crate::error::{AppError, AppResult};
use crate::tenancy::{Module, ProjectId, TenantTx};
use crate::web::AppState;

#[derive(Debug)]
pub struct ProjectTx<M: Module> {
    pub tx: TenantTx<M>,
    pub project: Project,
}

impl<M: Module> ProjectTx<M> {
    /// The project's id, proof that it was loaded through the visibility rule: writes by id of
    /// the project's rows take it.
    pub fn project_id(&self) -> ProjectId {
        ProjectId::loaded(self.project.id)
    }

    pub async fn commit(self) -> AppResult<()> {
        self.tx.commit().await
    }

    /// Loads the project again (after a reschedule changed its roll-up).
    pub async fn reload(&mut self) -> AppResult<()> {
        self.project = queries::find_project(&mut self.tx, self.project.id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(())
    }
}

impl<M: Module> Deref for ProjectTx<M> {
    type Target = TenantTx<M>;
    fn deref(&self) -> &TenantTx<M> {
        &self.tx
    }
}

impl<M: Module> DerefMut for ProjectTx<M> {
    fn deref_mut(&mut self) -> &mut TenantTx<M> {
        &mut self.tx
    }
}

impl<M: Module> FromRequestParts<AppState> for ProjectTx<M> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let mut tx = TenantTx::<M>::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let id: i64 = params
            .iter()
            .find(|(name, _)| *name == "project_id")
            .and_then(|(_, v)| v.parse().ok())
            .ok_or(AppError::NotFound)?;
        let project = queries::find_project(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Self { tx, project })
    }
}
