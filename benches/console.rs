//! `cargo bench --bench console`: the console at scale, on SQLite and PostgreSQL.
//!
//! Drives the real app state machine and the real render functions (into ratatui's TestBackend)
//! over a real database of `BENCH_ROWS` profiles (default 1,000,000), running each requested job
//! through the worker's own code path synchronously, and reports per action the median and worst
//! time from key to finished frame. Counting runs on the worker in the background in the real
//! console, so it is timed apart. Then it starts the real binary in a pseudo-terminal, reads its
//! time to first full frame (`PROFILE_CONSOLE_STARTUP_LOG`), scrolls it, and reads its peak
//! resident memory.
//!
//! `BENCH_BACKENDS=sqlite,postgres,mysql` picks the backends (all by default). The seeded
//! databases are kept for the next run (SQLite: `target/bench-data/`; PostgreSQL:
//! database `profile_console_bench_<rows>` on the test server); `BENCH_FRESH=1` rebuilds them.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use profile_console::console::app::{Action, App, Effect};
use profile_console::console::ui;
use profile_console::console::worker::{self, Job, Request, Response};
use profile_console::db::{DatabaseTarget, SqliteFile};
use profile_console::domain::ProfileFilter;
use profile_console::repository::Repository;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
const TARGET_MS: f64 = 20.0;

fn main() {
    let rows: i64 = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut report = Vec::new();
    if common::bench_wants("sqlite") {
        let sqlite = sqlite_database(rows);
        report.push(("sqlite", bench(&sqlite)));
    }
    if common::bench_wants("postgres") {
        match postgres_database(rows) {
            Some(pg) => report.push(("postgres", bench(&pg))),
            None => eprintln!("PostgreSQL not reachable: its rows are skipped"),
        }
    }
    if common::bench_wants("mysql") {
        match mysql_database(rows) {
            Some(my) => report.push(("mysql", bench(&my))),
            None => eprintln!("MySQL/MariaDB not reachable: its rows are skipped"),
        }
    }
    println!("\nconsole at {rows} profiles, {WIDTH}x{HEIGHT}; times are key to finished frame");
    for (backend, lines) in report {
        println!("\n{backend}");
        println!(
            "  {:<34} {:>7} {:>10} {:>10}  target",
            "action", "samples", "median ms", "worst ms"
        );
        for line in lines {
            println!("  {line}");
        }
    }
}

fn bench(target: &DatabaseTarget) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = |name: &str, samples: &[Duration], target_ms: Option<f64>| {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let median = ms[ms.len() / 2];
        let worst = ms[ms.len() - 1];
        let verdict = match target_ms {
            Some(t) if worst <= t => format!("< {t} ms: ok"),
            Some(t) => format!("< {t} ms: MISSED"),
            None => "(background)".to_owned(),
        };
        lines.push(format!(
            "{name:<34} {:>7} {median:>10.2} {worst:>10.2}  {verdict}",
            ms.len()
        ));
    };

    // First full screen, in process: state, first page, count and frame.
    let mut first = Vec::new();
    for _ in 0..5 {
        let (_, elapsed) = Driver::start(target, true);
        first.push(elapsed);
    }
    line("first full screen (in process)", &first, Some(150.0));

    let (mut driver, _) = Driver::start(target, false);
    driver.key(KeyCode::Esc);
    line(
        "PgDn",
        &driver.repeat(300, |d| d.key(KeyCode::PageDown)),
        Some(TARGET_MS),
    );
    line(
        "j (next row)",
        &driver.repeat(100, |d| d.key(KeyCode::Char('j'))),
        Some(TARGET_MS),
    );
    let (mut last, mut first_row) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        last.push(driver.key(KeyCode::Char('G')));
        first_row.push(driver.key(KeyCode::Char('g')));
    }
    line("G (last row)", &last, Some(TARGET_MS));
    line("g (first row)", &first_row, Some(TARGET_MS));
    line(
        "PgUp after G",
        &{
            driver.key(KeyCode::Char('G'));
            driver.repeat(100, |d| d.key(KeyCode::PageUp))
        },
        Some(TARGET_MS),
    );
    line(
        "s (next sort column)",
        &driver.repeat(14, |d| d.key(KeyCode::Char('s'))),
        Some(TARGET_MS),
    );
    line(
        "S (reverse sort)",
        &driver.repeat(4, |d| d.key(KeyCode::Char('S'))),
        Some(TARGET_MS),
    );
    while driver.app.table.sort != profile_console::domain::SortColumn::Id {
        driver.key(KeyCode::Char('s'));
    }

    let mut search = Vec::new();
    for term in ["saha", "zoë", "okafor", "lindqvist-o", "x"] {
        driver.key(KeyCode::Char('/'));
        for c in term.chars() {
            search.push(driver.key(KeyCode::Char(c)));
        }
        driver.key(KeyCode::Esc);
    }
    line("search keystroke", &search, Some(TARGET_MS));

    // The live preview: type a lookup, then the debounced preview query and its frame.
    driver.key(KeyCode::Char('i'));
    let mut preview = Vec::new();
    for (first_name, last_name) in [
        ("Argo", "Saha"),
        ("Zoë", "Okafor"),
        ("Mei", "Tanaka-Lee"),
        ("Nobody", "Atall"),
        ("Ana", "Silva"),
    ] {
        driver.app.form.clear();
        driver.app.form.focused = 0;
        driver.type_text(first_name);
        driver.key(KeyCode::Tab);
        driver.type_text(last_name);
        driver.key(KeyCode::BackTab);
        preview.push(driver.act(Action::Tick(Instant::now() + Duration::from_secs(1))));
    }
    line("live preview (after debounce)", &preview, Some(TARGET_MS));
    line("count (worker, off the UI path)", &driver.background, None);
    lines.extend(real_binary(target));
    lines
}

/// The app, its database and a test terminal, run synchronously.
struct Driver {
    app: App,
    repo: Repository,
    terminal: Terminal<TestBackend>,
    /// How long each count took (they run in the background in the real console).
    background: Vec<Duration>,
}

impl Driver {
    /// A fresh console; the time until its first full frame (rows and count).
    fn start(target: &DatabaseTarget, include_connect: bool) -> (Driver, Duration) {
        let started = Instant::now();
        let repo = Repository::open(target.clone()).expect("open");
        let connected = Instant::now();
        let (app, effects) = App::new(
            target.to_string(),
            target.backend(),
            Rect::new(0, 0, WIDTH, HEIGHT),
        );
        let terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
        let mut driver = Driver {
            app,
            repo,
            terminal,
            background: Vec::new(),
        };
        // The screen is full once it has rows and a total: the server's estimate where it keeps
        // one (the exact count then comes in the background, as in the real console), else the
        // exact count.
        let mut counts = driver.settle_except_counts(effects);
        if driver.app.table.total.is_none() {
            for request in std::mem::take(&mut counts) {
                let more = driver.answer(request);
                driver.settle(more, true);
            }
        }
        driver.draw();
        let elapsed = if include_connect {
            started.elapsed()
        } else {
            connected.elapsed()
        };
        for request in counts {
            let more = driver.answer(request);
            driver.settle(more, true);
        }
        (driver, elapsed)
    }

    fn draw(&mut self) {
        let app = &self.app;
        self.terminal
            .draw(|frame| ui::render(app, frame))
            .expect("draw");
    }

    /// Runs the jobs the app asked for but the exact counts, which it returns.
    fn settle_except_counts(&mut self, effects: Vec<Effect>) -> Vec<Request> {
        let mut queue: VecDeque<Effect> = effects.into();
        let mut counts = Vec::new();
        while let Some(effect) = queue.pop_front() {
            let Effect::Send(request) = effect else {
                continue;
            };
            if matches!(
                request.job,
                Job::Count(_) | Job::Position(_) | Job::Watch(_)
            ) {
                counts.push(*request);
            } else {
                queue.extend(self.answer(*request));
            }
        }
        counts
    }

    /// Runs the jobs the app asked for, feeding the answers back, until it asks for nothing
    /// more. Counts are timed apart unless `counts_inline`; prefetches run untimed.
    fn settle(&mut self, effects: Vec<Effect>, counts_inline: bool) {
        for request in self.settle_except_counts(effects) {
            let started = Instant::now();
            let more = self.answer(request);
            if !counts_inline {
                self.background.push(started.elapsed());
            }
            self.settle(more, counts_inline);
        }
    }

    fn answer(&mut self, request: Request) -> Vec<Effect> {
        let started = Instant::now();
        let reply = worker::run(&mut self.repo, request.job);
        self.app.update(Action::Response(Response {
            id: request.id,
            reply,
            elapsed: started.elapsed(),
            statements: Vec::new(),
        }))
    }

    /// One action, timed from the event to the finished frame (counts excluded).
    fn act(&mut self, action: Action) -> Duration {
        let started = Instant::now();
        let effects = self.app.update(action);
        let mut queue: VecDeque<Effect> = effects.into();
        let mut background = Vec::new();
        while let Some(effect) = queue.pop_front() {
            let Effect::Send(request) = effect else {
                continue;
            };
            // Counts, positions, the live-table watch and prefetches (pages read past the
            // window's edge) never hold up a frame
            // in the console: it draws what it has and takes them when they come.
            let prefetch = matches!(&request.job, Job::Page(page) if page.anchor.is_some() && !page.include_anchor);
            if matches!(
                request.job,
                Job::Count(_) | Job::Position(_) | Job::Watch(_)
            ) || prefetch
            {
                background.push(Effect::Send(request));
                continue;
            }
            queue.extend(self.answer(*request));
        }
        self.draw();
        let elapsed = started.elapsed();
        self.settle(background, false);
        elapsed
    }

    fn key(&mut self, code: KeyCode) -> Duration {
        self.act(Action::Terminal(Event::Key(KeyEvent::new(
            code,
            KeyModifiers::NONE,
        ))))
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn repeat(
        &mut self,
        times: usize,
        mut action: impl FnMut(&mut Driver) -> Duration,
    ) -> Vec<Duration> {
        (0..times).map(|_| action(self)).collect()
    }
}

/// The real binary in a pseudo-terminal: time to first full frame, and peak memory after
/// scrolling far.
fn real_binary(target: &DatabaseTarget) -> Vec<String> {
    let url = match target {
        DatabaseTarget::Sqlite(SqliteFile { path, .. }) => path.display().to_string(),
        DatabaseTarget::Postgres(pg) => pg.conninfo(),
        DatabaseTarget::Mysql(my) => my.mysql_url(),
    };
    let mut first_full = Vec::new();
    let mut memory = String::new();
    for run in 0..5 {
        let log = tempfile::NamedTempFile::new().expect("log file");
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: HEIGHT,
                cols: WIDTH,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_profile-console"));
        command.args(["--database-url", &url]);
        command.env("PROFILE_CONSOLE_STARTUP_LOG", log.path());
        command.env("TERM", "xterm-256color");
        let mut child = pair.slave.spawn_command(command).expect("spawn");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        std::thread::spawn(move || {
            let mut sink = [0u8; 65536];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        });
        let mut writer = pair.master.take_writer().expect("writer");
        let deadline = Instant::now() + Duration::from_secs(30);
        let ms = loop {
            let text = std::fs::read_to_string(log.path()).unwrap_or_default();
            if let Some(ms) = text
                .lines()
                .find_map(|l| l.strip_prefix("first_full_frame_ms "))
            {
                break ms.trim().parse::<f64>().expect("a number");
            }
            assert!(Instant::now() < deadline, "no full frame logged");
            std::thread::sleep(Duration::from_millis(10));
        };
        first_full.push(Duration::from_secs_f64(ms / 1000.0));
        if run == 0 {
            let pid = child.process_id().expect("pid");
            let after_start = resident(pid);
            writer.write_all(b"\x1b").unwrap();
            std::thread::sleep(Duration::from_millis(100));
            for _ in 0..500 {
                writer.write_all(b"\x1b[6~").unwrap();
            }
            writer.flush().unwrap();
            std::thread::sleep(Duration::from_secs(3));
            writer.write_all(b"G").unwrap();
            std::thread::sleep(Duration::from_secs(1));
            let after_scroll = resident(pid);
            memory = format!(
                "{:<34} {:>7} {:>10} {:>10}  < 50 MB: {}",
                "real binary resident memory (MB)",
                "-",
                format!("{:.1}", after_start.0),
                format!("{:.1}", after_scroll.1),
                if after_scroll.1 < 50.0 {
                    "ok"
                } else {
                    "MISSED"
                }
            );
            memory.push_str(&format!(
                " (after 500 PgDn and G: {:.1} MB now, peak {:.1} MB)",
                after_scroll.0, after_scroll.1
            ));
        }
        writer.write_all(b"\x03").unwrap();
        writer.flush().unwrap();
        let _ = child.wait();
    }
    let mut ms: Vec<f64> = first_full
        .iter()
        .map(|d| d.as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    vec![
        format!(
            "{:<34} {:>7} {:>10.2} {:>10.2}  < 150 ms: {}",
            "real binary: first full frame",
            ms.len(),
            ms[ms.len() / 2],
            ms[ms.len() - 1],
            if ms[ms.len() - 1] < 150.0 {
                "ok"
            } else {
                "MISSED"
            }
        ),
        memory,
    ]
}

/// (current, peak) resident memory of a process, in MB.
fn resident(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn seed(url: &str, rows: i64) {
    eprintln!("seeding {rows} profiles into {url} …");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .args(["--database-url", url, "seed", "--count", &rows.to_string()])
        .status()
        .expect("run seed");
    assert!(status.success());
}

fn fresh() -> bool {
    std::env::var("BENCH_FRESH").is_ok_and(|v| v == "1")
}

fn sqlite_database(rows: i64) -> DatabaseTarget {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench data directory");
    let path = dir.join(format!("profiles-{rows}.db"));
    let target = DatabaseTarget::sqlite(path.clone());
    if fresh()
        || Repository::open(target.clone())
            .and_then(|mut r| r.count(&ProfileFilter::default()))
            .ok()
            != Some(rows)
    {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        seed(&path.display().to_string(), rows);
    }
    target
}

fn postgres_database(rows: i64) -> Option<DatabaseTarget> {
    let admin_url = std::env::var(common::POSTGRES_URL_VAR)
        .unwrap_or_else(|_| common::DEFAULT_POSTGRES_URL.to_owned());
    let mut admin = PgConnection::establish(&admin_url).ok()?;
    let name = format!("profile_console_bench_{rows}");
    let url = common::with_database(&admin_url, &name);
    let target = DatabaseTarget::parse(&url).ok()?;
    let ready = !fresh()
        && Repository::open(target.clone())
            .and_then(|mut r| r.count(&ProfileFilter::default()))
            .ok()
            == Some(rows);
    if !ready {
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .ok()?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .ok()?;
        seed(&url, rows);
        let mut conn = PgConnection::establish(&url).ok()?;
        conn.batch_execute("VACUUM ANALYZE profiles").ok()?;
    }
    Some(target)
}

fn mysql_database(rows: i64) -> Option<DatabaseTarget> {
    let admin_url = std::env::var(common::MYSQL_URL_VAR)
        .unwrap_or_else(|_| common::DEFAULT_MYSQL_URL.to_owned());
    let mut admin = diesel::MysqlConnection::establish(&admin_url).ok()?;
    let name = format!("profile_console_bench_{rows}");
    let url = common::with_database(&admin_url, &name);
    let target = DatabaseTarget::parse(&url).ok()?;
    let ready = !fresh()
        && Repository::open(target.clone())
            .and_then(|mut r| r.count(&ProfileFilter::default()))
            .ok()
            == Some(rows);
    if !ready {
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .ok()?;
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ))
            .ok()?;
        seed(&url, rows);
        let mut conn = diesel::MysqlConnection::establish(&url).ok()?;
        conn.batch_execute("ANALYZE TABLE profiles").ok()?;
    }
    Some(target)
}
