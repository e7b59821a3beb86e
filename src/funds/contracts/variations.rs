//! Variations (变更/签证) on a signed contract: the rule a variation must keep, and recording
//! one — for the contract page's form, and for an approved change request (Changes), which
//! varies its project's income contract through `vary_income_contract`.

use rust_decimal::Decimal;

use super::queries::{self, Contract};
use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::cost::NewVariation;
use crate::db::TenantScope;
use crate::error::AppResult;
use crate::funds::domain::{ContractDirection, ContractStatus};
use crate::ids::ContractId;
use crate::tenancy::CurrentUser;
use crate::tenancy::ProjectId;

/// Why a change request's revenue impact cannot vary the contract it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariationRefusal {
    /// The contract is another project's, or an expense contract.
    NotIncome,
    NotSigned,
    /// The contract's amount would fall to zero or below.
    BelowZero,
    /// The contract's amount would fall below what has been claimed on it.
    BelowClaimed(Decimal),
    /// The contract already has a variation of that number.
    NumberTaken,
}

/// A refusal, with the number of the contract it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub contract: String,
    pub reason: VariationRefusal,
}

/// Adds `fields` as a variation of income contract `contract` of `project`, made by change
/// request `request`: the contract must be signed, and stay above zero and above what has been
/// claimed on it; the number must be new on the contract. The variation's id, or why not.
pub async fn vary_income_contract(
    scope: &mut TenantScope,
    project: ProjectId,
    contract: ContractId,
    fields: &NewVariation,
    request: i64,
    user: &CurrentUser,
) -> AppResult<Result<i64, Refused>> {
    let k = queries::find(scope, contract, true).await?;
    let refused = |reason| {
        Ok(Err(Refused {
            contract: k.number.clone(),
            reason,
        }))
    };
    if k.project_id != project.get() || k.direction != ContractDirection::Income {
        return refused(VariationRefusal::NotIncome);
    }
    if k.status != ContractStatus::Signed {
        return refused(VariationRefusal::NotSigned);
    }
    let current = k.amount + k.variations;
    if current + fields.amount <= Decimal::ZERO {
        return refused(VariationRefusal::BelowZero);
    }
    if fields.amount < Decimal::ZERO {
        let claimed = queries::claimed(scope, contract).await?;
        if current + fields.amount < claimed {
            return refused(VariationRefusal::BelowClaimed(claimed));
        }
    }
    let taken = queries::variations(scope, contract)
        .await?
        .iter()
        .any(|v| v.number == fields.number);
    if taken {
        return refused(VariationRefusal::NumberTaken);
    }
    Ok(Ok(record(scope, &k, fields, Some(request), user).await?))
}

/// Records variation `fields` of contract `k` (made by change request `request`, if any), moves
/// the contract's version on, and writes the audit entry.
pub async fn record(
    scope: &mut TenantScope,
    k: &Contract,
    fields: &NewVariation,
    request: Option<i64>,
    user: &CurrentUser,
) -> AppResult<i64> {
    let id = queries::insert_variation(scope, k.id, fields, request, user.id).await?;
    queries::touch(scope, k.id, user.id).await?;
    let actor = Actor::User {
        id: user.id,
        name: user.name.clone(),
    };
    audit::record(
        scope,
        &actor,
        Change {
            entity: "contract_variation",
            entity_id: Some(id),
            action: Action::Create,
            summary: &format!("{} {} {}", k.number, fields.number, fields.title),
            before: None,
            after: snapshot(fields),
        },
    )
    .await?;
    Ok(id)
}
