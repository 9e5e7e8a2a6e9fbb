//! Site-wide values that Stoa creates for itself and every node must share.

use crate::{Result, Tx, exec, run};

pub async fn get(tx: &mut Tx, name: &str) -> Result<Option<String>> {
    const SQL: &str = "SELECT value FROM site_settings WHERE name = $1";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).bind(name).fetch_optional(&mut **c).await)?)
}

/// Stores `value` unless `name` already has one; returns the value in force.
pub async fn get_or_insert(tx: &mut Tx, name: &str, value: &str) -> Result<String> {
    const SQL: &str = "INSERT INTO site_settings (name, value) VALUES ($1, $2) \
                       ON CONFLICT (name) DO NOTHING";
    exec!(tx, c => sqlx::query(SQL).bind(name).bind(value).execute(&mut **c).await)?;
    Ok(get(tx, name).await?.unwrap_or_else(|| value.to_owned()))
}
