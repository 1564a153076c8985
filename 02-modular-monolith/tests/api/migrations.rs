//! Each module's migrations, side by side in one database: separate version ranges in the
//! one `_sqlx_migrations` table, a schema (PostgreSQL) or attached file (SQLite) per module,
//! and no foreign key between modules.

use modular_monolith::database::{Database, module_file};

use crate::helpers::{Backend, fresh_database_url};

async fn modules_migrate_side_by_side(backend: Backend) {
    let Some((url, _data)) = fresh_database_url(backend).await else {
        return; // PostgreSQL not configured on this machine; the helper said so.
    };
    let database = Database::connect(&url).await.expect("connect");
    database.migrate().await.expect("first migration");
    // Again, as at every start. Each module's migrator meets the other module's versions
    // in the shared history table; without `ignore_missing` this would fail with
    // "migration 2001 was previously applied but is missing in the resolved migrations".
    database
        .migrate()
        .await
        .expect("migrating an up-to-date database is a no-op");

    let pool = &database.pools().read;
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .expect("read the migration history");
    assert_eq!(
        versions,
        [1001, 1002, 2001],
        "identity's range, then tasks'"
    );

    for table in ["identity.users", "tasks.tasks"] {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("{table} should exist: {e}"));
        assert_eq!(rows, 0, "{table}");
    }

    match backend {
        Backend::Postgres => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT CAST(table_schema AS TEXT) || '.' || CAST(table_name AS TEXT)
                 FROM information_schema.tables
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
                 ORDER BY 1",
            )
            .fetch_all(pool)
            .await
            .expect("list the tables");
            assert_eq!(
                tables,
                ["identity.users", "public._sqlx_migrations", "tasks.tasks"],
                "each module's tables in its own schema"
            );
            let foreign_keys: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.table_constraints
                 WHERE constraint_type = 'FOREIGN KEY'",
            )
            .fetch_one(pool)
            .await
            .expect("count foreign keys");
            assert_eq!(
                foreign_keys, 0,
                "no foreign key may tie two modules together"
            );
        }
        Backend::Sqlite => {
            for schema in ["identity", "tasks"] {
                let file = module_file(&url, schema);
                assert!(
                    std::path::Path::new(&file).exists(),
                    "the {schema} module's database file {file} should exist"
                );
            }
        }
    }
}

#[tokio::test]
async fn sqlite_modules_migrate_side_by_side() {
    modules_migrate_side_by_side(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_modules_migrate_side_by_side() {
    modules_migrate_side_by_side(Backend::Postgres).await;
}
