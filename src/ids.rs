//! Typed ids: an id of one table cannot be passed where another table's is expected.

use serde::{Deserialize, Serialize};

/// A tenant's id. Every tenant-owned row carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(transparent)]
pub struct TenantId(pub i64);

/// A user's id within their tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(transparent)]
pub struct UserId(pub i64);

/// A plan task's id within its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(transparent)]
pub struct TaskId(pub i64);

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A funds contract's id within its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(transparent)]
pub struct ContractId(pub i64);

impl std::fmt::Display for ContractId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_bind_print_and_serialize_as_the_bare_number() {
        let mut buf = sqlx::postgres::PgArgumentBuffer::default();
        let _ = sqlx::Encode::<sqlx::Postgres>::encode_by_ref(&TaskId(42), &mut buf).unwrap();
        assert_eq!(buf.to_vec(), 42_i64.to_be_bytes());
        assert_eq!(TaskId(42).to_string(), "42");
        // Audit snapshots keep the shape they had with a plain i64.
        assert_eq!(serde_json::to_string(&Some(TaskId(42))).unwrap(), "42");
        assert_eq!(ContractId(7).to_string(), "7");
        assert_eq!(serde_json::to_string(&ContractId(7)).unwrap(), "7");
    }
}
