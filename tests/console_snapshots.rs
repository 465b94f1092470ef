//! Whole-screen snapshots of the console, drawn into ratatui's TestBackend from fixed state.
//! Colours are not in text snapshots; the highlight styles are asserted separately.

use std::time::Duration;

use chrono::NaiveDate;
use profile_console::console::app::{Action, App, Effect};
use profile_console::console::ui;
use profile_console::console::worker::{
    AroundRows, InspectReport, Job, PreviewMatch, Reply, Response,
};
use profile_console::db::Backend;
use profile_console::domain::{Change, Field, GetOrCreate, Outcome, Profile, Value};
use profile_console::repository::{AppliedMigration, SchemaItem, SchemaReport};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Color;

const PEOPLE: [(&str, &str, &str, i32); 8] = [
    ("Argo", "Saha", "M", 10),
    ("Zoë", "Okafor", "F", 34),
    ("Ana", "Saha", "F", 34),
    ("Bo", "Li", "X", 71),
    ("Ángel", "García", "M", 5),
    ("Mei", "Tanaka", "F", 34),
    ("Bo", "Andersen", "M", 19),
    ("Siobhán", "O'Brien", "F", 46),
];

fn people() -> Vec<Profile> {
    PEOPLE
        .iter()
        .enumerate()
        .map(|(i, (first, last, gender, age))| {
            let at = NaiveDate::from_ymd_opt(2026, 3, 1 + i as u32)
                .and_then(|d| d.and_hms_opt(9, 30, 0))
                .unwrap();
            Profile {
                id: i as i64 + 1,
                first_name: (*first).into(),
                last_name: (*last).into(),
                gender: (*gender).into(),
                age: *age,
                created_at: at,
                updated_at: at,
            }
        })
        .collect()
}

fn respond(app: &mut App, id: u64, reply: Reply) -> Vec<Effect> {
    app.update(Action::Response(Response {
        id,
        reply,
        elapsed: Duration::from_micros(2300),
        statements: vec![],
    }))
}

fn requests(effects: &[Effect]) -> Vec<(u64, Job)> {
    effects
        .iter()
        .filter_map(|e| {
            if let Effect::Send(r) = e {
                Some((r.id, r.job.clone()))
            } else {
                None
            }
        })
        .collect()
}

/// A console of `width`×`height` showing `rows` (as a fresh start would).
fn app_with(rows: Vec<Profile>, width: u16, height: u16) -> App {
    let (mut app, effects) = App::new(
        "/home/me/.local/share/profile-console/profiles.db".into(),
        Backend::Sqlite,
        Rect::new(0, 0, width, height),
    );
    for (id, job) in requests(&effects) {
        match job {
            Job::Page(_) => respond(&mut app, id, Reply::Page(Ok(rows.clone()))),
            Job::Count(_) => respond(&mut app, id, Reply::Count(Ok((rows.len() as i64, 0)))),
            _ => vec![],
        };
    }
    app
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Terminal(Event::Key(KeyEvent::new(
        code,
        KeyModifiers::NONE,
    ))))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    terminal.draw(|frame| ui::render(app, frame)).unwrap();
    terminal
}

/// Runs an operation that ends with `outcome` on `profile`, as the worker would answer it.
fn finish_operation(app: &mut App, profile: Profile, outcome: Outcome) {
    let form = [
        ("first_name", profile.first_name.as_str()),
        ("last_name", profile.last_name.as_str()),
    ];
    for (i, (_, value)) in form.iter().enumerate() {
        app.form.fields[i].input = tui_input::Input::new((*value).to_owned());
    }
    let effects = press(app, KeyCode::F(5));
    let (id, _) = requests(&effects)[0].clone();
    let effects = respond(app, id, Reply::Operation(Ok((profile.clone(), outcome))));
    for (id, job) in requests(&effects) {
        if let Job::Around { .. } = job {
            respond(
                app,
                id,
                Reply::Around(Ok(AroundRows {
                    rows: people_with(profile.clone()),
                    at_start: true,
                    at_end: true,
                })),
            );
        }
    }
}

/// A profile not among [`people`], as get_or_create would create it.
fn kai() -> Profile {
    Profile {
        id: 9,
        first_name: "Kai".into(),
        last_name: "Teo".into(),
        ..people()[0].clone()
    }
}

fn people_with(profile: Profile) -> Vec<Profile> {
    let mut rows: Vec<Profile> = people()
        .into_iter()
        .filter(|p| p.id != profile.id)
        .collect();
    rows.push(profile);
    rows.sort_by_key(|p| p.id);
    rows
}

fn row_style(terminal: &Terminal<TestBackend>, text: &str) -> ratatui::style::Style {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    for y in 0..area.height {
        let line: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        if let Some(at) = line.find(text) {
            let x = line[..at].chars().count() as u16;
            return buffer[(x, y)].style();
        }
    }
    panic!("{text} is not on screen");
}

#[test]
fn empty_database() {
    let app = app_with(vec![], 100, 24);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn table_with_data() {
    let app = app_with(people(), 110, 24);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn form_with_validation_errors() {
    let mut app = app_with(people(), 100, 24);
    type_text(&mut app, &"x".repeat(31));
    app.form.focused = 3;
    type_text(&mut app, "abc");
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn created_is_highlighted() {
    let mut app = app_with(people(), 110, 24);
    let new = kai();
    finish_operation(&mut app, new, Outcome::Created);
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    assert_eq!(row_style(&terminal, "NEW").bg, Some(Color::Green));
}

#[test]
fn fetched_is_highlighted() {
    let mut app = app_with(people(), 110, 24);
    finish_operation(&mut app, people()[2].clone(), Outcome::Fetched);
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    assert_eq!(row_style(&terminal, "GOT").bg, Some(Color::Cyan));
}

#[test]
fn updated_is_highlighted_with_its_changes() {
    let mut app = app_with(people(), 110, 24);
    let updated = Profile {
        age: 11,
        ..people()[0].clone()
    };
    let change = Change {
        field: Field::Age,
        old: Value::Int(10),
        new: Value::Int(11),
    };
    finish_operation(&mut app, updated, Outcome::Updated(vec![change]));
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    assert_eq!(row_style(&terminal, "UPD").bg, Some(Color::Yellow));
}

#[test]
fn unchanged_is_highlighted() {
    let mut app = app_with(people(), 110, 24);
    finish_operation(&mut app, people()[0].clone(), Outcome::Unchanged);
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    assert_eq!(row_style(&terminal, "SAME").bg, Some(Color::Gray));
}

#[test]
fn several_profiles_match() {
    let mut app = app_with(people(), 110, 24);
    // first_name, last_name: lookup → default → create → unused; gender: default → … → lookup.
    let ctrl_t = Event::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL));
    for field in 0..4 {
        app.form.focused = field;
        for _ in 0..3 {
            app.update(Action::Terminal(ctrl_t.clone()));
        }
    }
    app.form.focused = 2;
    type_text(&mut app, "F");
    app.form.focused = 3;
    type_text(&mut app, "34");
    let lookup = GetOrCreate::parse(&[("gender", "F"), ("age", "34")], &[])
        .unwrap()
        .lookup;
    let rows: Vec<Profile> = people()
        .into_iter()
        .filter(|p| p.gender == "F" && p.age == 34)
        .collect();
    let effects = app.update(Action::Tick(
        std::time::Instant::now() + Duration::from_secs(1),
    ));
    let (id, job) = requests(&effects)
        .into_iter()
        .next()
        .expect("a preview request");
    assert!(
        matches!(&job, Job::Preview(asked) if *asked == lookup),
        "{job:?}"
    );
    respond(
        &mut app,
        id,
        Reply::Preview(Ok(PreviewMatch {
            lookup: lookup.clone(),
            rows: rows.clone(),
            count: 3,
        })),
    );
    let effects = press(&mut app, KeyCode::F(5));
    let (id, _) = requests(&effects)[0].clone();
    let error = profile_console::Error::MultipleMatches {
        count: 3,
        first_ids: vec![2, 3, 6],
        lookup: lookup.describe(),
    };
    respond(&mut app, id, Reply::Operation(Err(error)));
    // The entry is back in the form, and its preview is asked again.
    let effects = app.update(Action::Tick(
        std::time::Instant::now() + Duration::from_secs(1),
    ));
    let (id, _) = requests(&effects)
        .into_iter()
        .find(|(_, job)| matches!(job, Job::Preview(asked) if *asked == lookup))
        .expect("the preview asked again");
    respond(
        &mut app,
        id,
        Reply::Preview(Ok(PreviewMatch {
            lookup: lookup.clone(),
            rows,
            count: 3,
        })),
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn help() {
    let mut app = app_with(people(), 120, 40);
    press(&mut app, KeyCode::F(1));
    insta::assert_snapshot!(draw(&app).backend());
}

/// At the smallest size the console draws in, help is one column and scrolls to its end.
#[test]
fn help_at_80x20_scrolls() {
    let mut app = app_with(people(), 80, 20);
    press(&mut app, KeyCode::F(1));
    let top = draw(&app);
    press(&mut app, KeyCode::Char('G'));
    let end = draw(&app);
    insta::assert_snapshot!(format!("{}\n{}", top.backend(), end.backend()));
}

/// The operation log opens at its newest entry and scrolls back.
#[test]
fn operation_log_scrolls() {
    let mut app = app_with(people(), 100, 24);
    for person in people().into_iter().chain(people()) {
        finish_operation(&mut app, person, Outcome::Fetched);
    }
    for entry in &mut app.log {
        entry.at = chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap();
    }
    press(&mut app, KeyCode::F(3));
    let end = draw(&app);
    press(&mut app, KeyCode::Char('g'));
    let top = draw(&app);
    insta::assert_snapshot!(format!("{}\n{}", end.backend(), top.backend()));
}

#[test]
fn inspect() {
    let mut app = app_with(people(), 110, 34);
    let effects = press(&mut app, KeyCode::F(2));
    let (id, _) = requests(&effects)[0].clone();
    let item = |name: &str, definition: &str| SchemaItem {
        name: name.into(),
        definition: definition.into(),
    };
    let report = InspectReport {
        target: "/home/me/.local/share/profile-console/profiles.db".into(),
        backend: Backend::Sqlite,
        file: Some((
            "/home/me/.local/share/profile-console/profiles.db".into(),
            45_056,
        )),
        schema: SchemaReport {
            server_version: "SQLite 3.50.2".into(),
            constraints: vec![
                item("profiles_name_key", "UNIQUE (first_name, last_name)"),
                item("profiles_age_check", "CHECK (age BETWEEN 0 AND 150)"),
            ],
            indexes: vec![
                item("profiles_age_id_idx", "(age, id)"),
                item(
                    "sqlite_autoindex_profiles_1",
                    "UNIQUE (first_name, last_name)",
                ),
            ],
            migrations: vec![AppliedMigration {
                version: "20261126000001".into(),
                run_on: "2026-11-26 05:00:00".into(),
            }],
        },
        row_count: 8,
    };
    respond(&mut app, id, Reply::Inspect(Ok(Box::new(report))));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn too_small_terminal() {
    let app = app_with(people(), 60, 12);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn the_table_title_says_when_it_shows_only_matches() {
    let mut app = app_with(people(), 120, 30);
    let title_line = |app: &App| {
        let terminal = draw(app);
        let buffer = terminal.backend().buffer();
        (0..buffer.area.width)
            .map(|x| buffer[(x, 1)].symbol().to_owned())
            .collect::<String>()
    };
    assert!(
        title_line(&app).contains(" Profiles · row 1 of 8 "),
        "{}",
        title_line(&app)
    );
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "saha");
    assert!(
        title_line(&app).contains(" Matching profiles · "),
        "{}",
        title_line(&app)
    );
}

/// Names matter more than timestamps: long names take the room first, and a name that still
/// does not fit is cut with a mark.
#[test]
fn long_names_come_before_timestamps_and_cut_names_are_marked() {
    let mut rows = people();
    rows[0].last_name = "Castillo-Ramírez de la Fuente".into();
    rows[1].first_name = "Maximiliana-Josefina".into();
    let rows_text = |width: u16| {
        let app = app_with(rows.clone(), width, 20);
        let terminal = draw(&app);
        let buffer = terminal.backend().buffer();
        (2..5)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_owned())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
    };
    // 130 columns: both names whole, the timestamps give way.
    let wide = rows_text(130);
    assert!(
        wide[1].contains("Castillo-Ramírez de la Fuente"),
        "{wide:#?}"
    );
    assert!(wide[2].contains("Maximiliana-Josefina"), "{wide:#?}");
    assert!(!wide[0].contains("updated"), "{wide:#?}");
    // 160 columns: room for both.
    let wider = rows_text(160);
    assert!(
        wider[1].contains("Castillo-Ramírez de la Fuente"),
        "{wider:#?}"
    );
    assert!(
        wider[0].contains("created") && wider[0].contains("updated"),
        "{wider:#?}"
    );
    // 80 columns: no timestamps, and the long name cut with a mark.
    let narrow = rows_text(80);
    assert!(!narrow[0].contains("created"), "{narrow:#?}");
    assert!(narrow[1].contains("Castillo-…"), "{narrow:#?}");
}

#[test]
fn hints_are_dropped_whole_never_cut() {
    for width in [80, 90, 100, 110] {
        let app = app_with(people(), width, 24);
        let terminal = draw(&app);
        let buffer = terminal.backend().buffer();
        let last: String = (0..buffer.area.width)
            .map(|x| buffer[(x, buffer.area.height - 1)].symbol().to_owned())
            .collect();
        let shown = last.trim_end();
        // Every hint is a key and its words; the line never ends in a lone key or half a word.
        assert!(
            [
                "help",
                "inspect",
                "log",
                "table",
                "role",
                "field",
                "get_or_create",
                "update_or_create"
            ]
            .iter()
            .any(|end| shown.ends_with(end)),
            "{width} columns: {shown:?}"
        );
    }
}

/// The styled stretches of the screen, one per line: where, what text, and its colours. (Text
/// snapshots carry no colour; this one is for the themes.)
fn style_runs(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let style = buffer[(x, y)].style();
            let start = x;
            let mut text = String::new();
            while x < area.width && buffer[(x, y)].style() == style {
                text.push_str(buffer[(x, y)].symbol());
                x += 1;
            }
            let plain = style.fg.is_none_or(|c| c == Color::Reset)
                && style.bg.is_none_or(|c| c == Color::Reset)
                && style.add_modifier.is_empty();
            if !plain && !text.trim().is_empty() {
                out.push_str(&format!(
                    "{y:>2}:{start:<3} {:?} fg={:?} bg={:?} {:?}\n",
                    text.trim_end(),
                    style.fg,
                    style.bg,
                    style.add_modifier
                ));
            }
        }
    }
    out
}

#[test]
fn light_theme() {
    let config = profile_console::config::Config::parse("[theme]\nbase = \"light\"").unwrap();
    let mut app = app_with(people(), 110, 24);
    app.configure(&config);
    let new = kai();
    finish_operation(&mut app, new, Outcome::Created);
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    insta::assert_snapshot!("light_theme_colours", style_runs(&terminal));
    assert_eq!(row_style(&terminal, "NEW").bg, Some(Color::Indexed(28)));
}

#[test]
fn remapped_keys_show_in_the_hints_and_help() {
    let config = profile_console::config::Config::parse(
        "[keys.table]\ndelete = \"D\"\nsearch = \"Ctrl-s\"\n[keys.global]\nhelp = \"F12\"",
    )
    .unwrap();
    let mut app = app_with(people(), 120, 30);
    app.configure(&config);
    press(&mut app, KeyCode::Esc);
    let screen = format!("{}", draw(&app).backend());
    assert!(screen.contains("D delete"), "{screen}");
    assert!(screen.contains("Ctrl-S search"), "{screen}");
    assert!(screen.contains("F12: help"), "{screen}");
    assert!(!screen.contains("d delete"), "{screen}");
    press(&mut app, KeyCode::F(12));
    let help = format!("{}", draw(&app).backend());
    assert!(help.contains("Ctrl-S"), "{help}");
}
