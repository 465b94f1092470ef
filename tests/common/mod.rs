//! Test databases: a fresh SQLite file, or a fresh PostgreSQL database dropped afterwards, and the
//! macro that runs one test body against every backend.
#![allow(dead_code)]

pub mod race;

use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use profile_console::db::{DatabaseTarget, SqliteFile};
use profile_console::domain::{GetOrCreate, UpdateOrCreate};
use profile_console::repository::Repository;

pub const POSTGRES_URL_VAR: &str = "PROFILE_CONSOLE_TEST_POSTGRES_URL";
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const MYSQL_URL_VAR: &str = "PROFILE_CONSOLE_TEST_MYSQL_URL";
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";
pub const REQUIRE_SERVERS_VAR: &str = "PROFILE_CONSOLE_REQUIRE_SERVERS";

/// A database that exists for one test.
pub struct TestDb {
    pub target: DatabaseTarget,
    /// The URL as given to the CLI (for PostgreSQL: the server's URL with this database).
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
    Mysql { admin_url: String, name: String },
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("test.db");
        TestDb {
            url: format!("sqlite://{}", path.display()),
            target: DatabaseTarget::sqlite(path),
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh database on the test server, or `None` (after saying so) when no server is
    /// reachable and servers are not required.
    pub fn postgres() -> Option<TestDb> {
        let admin_url =
            std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let mut admin = match PgConnection::establish(&admin_url) {
            Ok(conn) => conn,
            Err(err) => {
                if std::env::var(REQUIRE_SERVERS_VAR).is_ok_and(|v| v == "1") {
                    panic!(
                        "PostgreSQL is required ({REQUIRE_SERVERS_VAR}=1) but {admin_url} is unreachable: {err}"
                    );
                }
                eprintln!("skipped: no PostgreSQL server at {admin_url} ({err})");
                return None;
            }
        };
        let name = fresh_name();
        admin
            // Byte-order collation, so expected orders in tests do not depend on the server locale.
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 LC_COLLATE 'C'"
            ))
            .expect("create the test database");
        Some(TestDb::postgres_named(&admin_url, name))
    }

    /// A fresh database on the MySQL / MariaDB test server, or `None` (after saying so) when no
    /// server is reachable and servers are not required.
    pub fn mysql() -> Option<TestDb> {
        let admin_url =
            std::env::var(MYSQL_URL_VAR).unwrap_or_else(|_| DEFAULT_MYSQL_URL.to_owned());
        let mut admin = match diesel::MysqlConnection::establish(&admin_url) {
            Ok(conn) => conn,
            Err(err) => {
                if std::env::var(REQUIRE_SERVERS_VAR).is_ok_and(|v| v == "1") {
                    panic!(
                        "MySQL/MariaDB is required ({REQUIRE_SERVERS_VAR}=1) but {admin_url} is unreachable: {err}"
                    );
                }
                eprintln!("skipped: no MySQL/MariaDB server at {admin_url} ({err})");
                return None;
            }
        };
        let name = fresh_name();
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ))
            .expect("create the test database");
        let url = with_database(&admin_url, &name);
        Some(TestDb {
            target: DatabaseTarget::parse(&url).expect("a MySQL URL"),
            url,
            cleanup: Cleanup::Mysql { admin_url, name },
        })
    }

    /// A database on the same server as `self` that does not exist yet; the caller creates it,
    /// and it is dropped (if it exists) when the returned value goes.
    pub fn sibling_not_created_yet(&self, suffix: &str) -> Option<TestDb> {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return None;
        };
        Some(TestDb::postgres_named(
            admin_url,
            format!("{name}_{suffix}"),
        ))
    }

    fn postgres_named(admin_url: &str, name: String) -> TestDb {
        let url = with_database(admin_url, &name);
        TestDb {
            target: DatabaseTarget::parse(&url).expect("a PostgreSQL URL"),
            url,
            cleanup: Cleanup::Postgres {
                admin_url: admin_url.to_owned(),
                name,
            },
        }
    }

    /// The database's name on its server (PostgreSQL).
    pub fn name(&self) -> Option<&str> {
        match &self.cleanup {
            Cleanup::Postgres { name, .. } | Cleanup::Mysql { name, .. } => Some(name),
            Cleanup::Sqlite(_) => None,
        }
    }

    /// A connected, migrated repository.
    pub fn repo(&self) -> Repository {
        Repository::open(self.target.clone()).expect("open the test database")
    }

    /// Runs `sql` on a connection of its own, as another client would (not through the tool).
    pub fn execute_as_other_client(&self, sql: &str) -> diesel::QueryResult<()> {
        match &self.target {
            DatabaseTarget::Sqlite(SqliteFile { path, .. }) => {
                diesel::SqliteConnection::establish(path.to_str().unwrap())
                    .expect("connect")
                    .batch_execute(sql)
            }
            DatabaseTarget::Postgres(_) => PgConnection::establish(&self.url)
                .expect("connect")
                .batch_execute(sql),
            DatabaseTarget::Mysql(_) => diesel::MysqlConnection::establish(&self.url)
                .expect("connect")
                .batch_execute(sql),
        }
    }

    /// The first column of each row `sql` returns, as text (`SELECT … AS value`), read as another
    /// client would.
    pub fn values(&self, sql: &str) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let query = diesel::sql_query(sql);
        let rows: Vec<Row> = match &self.target {
            DatabaseTarget::Sqlite(SqliteFile { path, .. }) => diesel::RunQueryDsl::load(
                query,
                &mut diesel::SqliteConnection::establish(path.to_str().unwrap()).expect("connect"),
            ),
            DatabaseTarget::Postgres(_) => diesel::RunQueryDsl::load(
                query,
                &mut PgConnection::establish(&self.url).expect("connect"),
            ),
            DatabaseTarget::Mysql(_) => diesel::RunQueryDsl::load(
                query,
                &mut diesel::MysqlConnection::establish(&self.url).expect("connect"),
            ),
        }
        .expect("run the query");
        rows.into_iter().map(|row| row.value).collect()
    }

    /// The URL the CLI takes for this database.
    pub fn url(&self) -> String {
        self.url.clone()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Mysql { admin_url, name } = &self.cleanup
            && let Ok(mut admin) = diesel::MysqlConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
        }
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// The first column of each row `sql` returns, as text (`SELECT … AS value`), on a fresh
/// PostgreSQL connection to `url`.
pub fn pg_values(url: &str, sql: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let mut conn = PgConnection::establish(url).expect("connect to PostgreSQL");
    diesel::RunQueryDsl::load::<Row>(diesel::sql_query(sql), &mut conn)
        .expect("run the query")
        .into_iter()
        .map(|row| row.value)
        .collect()
}

/// A database name no other test run uses.
fn fresh_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "profile_console_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    )
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let path_start = url[after_scheme..].find('/').map(|at| after_scheme + at);
    let query_start = url.find('?');
    match path_start {
        Some(start) => {
            let end = query_start.unwrap_or(url.len());
            format!("{}/{name}{}", &url[..start], &url[end..])
        }
        None => match query_start {
            Some(q) => format!("{}/{name}{}", &url[..q], &url[q..]),
            None => format!("{url}/{name}"),
        },
    }
}

/// `get_or_create` input from `field=value` pairs.
pub fn goc(lookup: &[(&str, &str)], defaults: &[(&str, &str)]) -> GetOrCreate {
    GetOrCreate::parse(lookup, defaults).expect("valid get_or_create input")
}

/// `update_or_create` input from `field=value` pairs.
pub fn uoc(
    lookup: &[(&str, &str)],
    defaults: &[(&str, &str)],
    create_defaults: Option<&[(&str, &str)]>,
) -> UpdateOrCreate {
    UpdateOrCreate::parse(lookup, defaults, create_defaults).expect("valid update_or_create input")
}

/// Runs each listed test function `fn name(db: &TestDb)` once per backend: `sqlite::name`,
/// `postgres::name` and `mysql::name` (the servers' skipped when absent, unless required).
#[macro_export]
macro_rules! on_every_backend {
    // Plain test functions `fn name(db: &TestDb)`, listed: rustfmt formats their bodies.
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&$crate::common::TestDb::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(db) = $crate::common::TestDb::postgres() {
                        super::$name(&db);
                    }
                }
            )*
        }
        mod mysql {
            $(
                #[test]
                fn $name() {
                    if let Some(db) = $crate::common::TestDb::mysql() {
                        super::$name(&db);
                    }
                }
            )*
        }
    };
}

/// Whether a bench runs `backend`: `BENCH_BACKENDS=sqlite,postgres,mysql` picks; all by default.
#[allow(dead_code)]
pub fn bench_wants(backend: &str) -> bool {
    std::env::var("BENCH_BACKENDS")
        .map(|list| list.split(',').any(|name| name.trim() == backend))
        .unwrap_or(true)
}

/// A PostgreSQL server process stopped (SIGSTOP) until this is dropped (SIGCONT): a server that
/// stops answering mid-statement. The test runs as the server's owner or root.
pub struct Frozen(i32);

impl Frozen {
    pub fn freeze(pid: i32) -> Frozen {
        // SAFETY: sending a signal has no memory effects.
        assert_eq!(
            unsafe { libc::kill(pid, libc::SIGSTOP) },
            0,
            "the test runs as the server's owner or root"
        );
        Frozen(pid)
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        // SAFETY: sending a signal has no memory effects.
        unsafe { libc::kill(self.0, libc::SIGCONT) };
    }
}

/// The server process of `url`'s database that runs this tool's statement and waits on a lock
/// (with `and`, an SQL condition on `pg_stat_activity`, also holding), once there is one;
/// panics, saying `what` never happened, after ten seconds.
pub fn waiting_server_process(url: &str, and: &str, what: &str) -> i32 {
    let started = std::time::Instant::now();
    loop {
        let found = pg_values(
            url,
            &format!(
                "SELECT CAST(pid AS TEXT) AS value FROM pg_stat_activity \
                 WHERE datname = current_database() AND application_name = 'profile-console' \
                 AND wait_event_type = 'Lock' {and}"
            ),
        );
        if let Some(pid) = found.first() {
            return pid.parse().expect("a process id");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
