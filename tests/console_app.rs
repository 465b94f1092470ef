//! The console's state machine without a terminal: events in, state and requests out.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use profile_console::console::app::{Action, App, Effect, Focus, Overlay, Preview, Status};
use profile_console::console::form::FieldRole;
use profile_console::console::worker::{Job, PreviewMatch, Reply, Response, RowRef};
use profile_console::db::Backend;
use profile_console::domain::{Outcome, Profile, SortColumn};
use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

fn profile(id: i64, first: &str, last: &str) -> Profile {
    let at = NaiveDate::from_ymd_opt(2026, 1, 2)
        .and_then(|d| d.and_hms_opt(3, 4, 5))
        .unwrap();
    Profile {
        id,
        first_name: first.into(),
        last_name: last.into(),
        gender: "M".into(),
        age: 10,
        created_at: at,
        updated_at: at,
    }
}

fn new_app() -> (App, Vec<Effect>) {
    App::new("test.db".into(), Backend::Sqlite, Rect::new(0, 0, 120, 30))
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Terminal(Event::Key(KeyEvent::new(
        code,
        KeyModifiers::NONE,
    ))))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Action::Terminal(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    ))))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// The export or import `effects` start.
fn started_transfer(effects: &[Effect]) -> profile_console::console::transfer::TransferRequest {
    effects
        .iter()
        .find_map(|effect| match effect {
            Effect::StartTransfer(request) => Some((**request).clone()),
            _ => None,
        })
        .expect("an export or import starts")
}

/// The screen as text, one line per row.
fn render_text(app: &App) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(
        app.size.width,
        app.size.height,
    ))
    .unwrap();
    terminal
        .draw(|frame| profile_console::console::ui::render(app, frame))
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn jobs(effects: &[Effect]) -> Vec<(u64, Job)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send(request) => Some((request.id, request.job.clone())),
            _ => None,
        })
        .collect()
}

fn respond(app: &mut App, id: u64, reply: Reply) -> Vec<Effect> {
    app.update(Action::Response(Response {
        id,
        reply,
        elapsed: Duration::from_micros(1500),
        statements: vec!["SELECT 1".into()],
    }))
}

/// Answers the first-screen requests with `rows`.
fn load(app: &mut App, effects: &[Effect], rows: Vec<Profile>) {
    for (id, job) in jobs(effects) {
        match job {
            Job::Page(_) => {
                respond(app, id, Reply::Page(Ok(rows.clone())));
            }
            Job::Count(_) => {
                respond(app, id, Reply::Count(Ok((rows.len() as i64, 0))));
            }
            _ => {}
        }
    }
}

#[test]
fn it_opens_in_the_form_and_asks_for_the_first_page_and_the_count() {
    let (app, effects) = new_app();
    assert_eq!(app.focus, Focus::Form);
    assert_eq!(app.form.focused, 0);
    let jobs = jobs(&effects);
    assert!(
        jobs.iter()
            .any(|(_, job)| matches!(job, Job::Page(request) if request.anchor.is_none()))
    );
    assert!(jobs.iter().any(|(_, job)| matches!(job, Job::Count(_))));
}

#[test]
fn typing_fills_the_focused_field_and_tab_moves_on() {
    let (mut app, _) = new_app();
    type_text(&mut app, "Argo");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Saha");
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::End);
    type_text(&mut app, "x");
    assert_eq!(app.form.fields[0].input.value(), "Argox");
    assert_eq!(app.form.fields[1].input.value(), "Saha");
    ctrl(&mut app, 'w');
    assert_eq!(
        app.form.fields[0].input.value(),
        "",
        "Ctrl-W deletes a word"
    );
}

#[test]
fn shift_tab_as_terminals_send_it_goes_back_a_field() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    // crossterm reports Shift-Tab as BackTab with SHIFT.
    app.update(Action::Terminal(Event::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    ))));
    assert_eq!(app.form.focused, 1);
}

#[test]
fn letters_that_are_table_commands_are_text_in_the_form() {
    let (mut app, _) = new_app();
    let effects: Vec<Effect> = "qdG/?"
        .chars()
        .flat_map(|c| press(&mut app, KeyCode::Char(c)))
        .collect();
    assert!(effects.iter().all(|e| !matches!(e, Effect::Quit)));
    assert_eq!(app.form.fields[0].input.value(), "qdG/?");
}

#[test]
fn paste_inserts_text_without_control_characters() {
    let (mut app, _) = new_app();
    app.update(Action::Terminal(Event::Paste("Zo\u{eb}\n".into())));
    assert_eq!(app.form.fields[0].input.value(), "Zoë");
}

/// A paste goes in at the cursor in one step: a huge one is cut (it used to keep the screen
/// frozen for minutes, a character at a time), and a spreadsheet row fills a field a cell.
#[test]
fn a_paste_goes_in_at_once_and_a_spreadsheet_row_fills_the_fields() {
    let paste = |app: &mut App, text: &str| app.update(Action::Terminal(Event::Paste(text.into())));
    let (mut app, _) = new_app();
    type_text(&mut app, "Ae");
    press(&mut app, KeyCode::Left);
    paste(&mut app, "nn\u{1b}[2J");
    assert_eq!(app.form.fields[0].input.value(), "Ann[2Je");

    let (mut app, _) = new_app();
    let started = std::time::Instant::now();
    paste(&mut app, &"x".repeat(2_000_000));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(app.form.fields[0].input.value().chars().count(), 4_096);
    assert!(matches!(&app.status, Status::Info(text) if text.contains("pasted what fits")));

    let (mut app, _) = new_app();
    paste(&mut app, "Argo\tSaha\tM\t10\r\nNext\tRow\tF\t3\n");
    let values: Vec<&str> = app.form.fields.iter().map(|f| f.input.value()).collect();
    assert_eq!(values, ["Argo", "Saha", "M", "10"]);
    assert_eq!(app.form.focused, 3);
}

#[test]
fn ctrl_t_cycles_the_role_through_all_four() {
    let (mut app, _) = new_app();
    let mut seen = vec![app.form.fields[0].role];
    for _ in 0..4 {
        ctrl(&mut app, 't');
        seen.push(app.form.fields[0].role);
    }
    assert_eq!(
        seen,
        [
            FieldRole::Lookup,
            FieldRole::Default,
            FieldRole::CreateDefault,
            FieldRole::Unused,
            FieldRole::Lookup
        ]
    );
}

#[test]
fn inline_validation_uses_the_library_rules() {
    let (mut app, _) = new_app();
    app.form.focused = 3;
    type_text(&mut app, "abc");
    let problem = app.form.fields[3].problem().expect("age is invalid");
    assert_eq!(
        problem,
        "age must be a whole number from 0 to 150, got \"abc\""
    );
}

#[test]
fn enter_runs_get_or_create_with_the_form_and_f6_update_or_create() {
    let (mut app, _) = new_app();
    type_text(&mut app, "Argo");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Saha");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "M");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "10");
    let effects = press(&mut app, KeyCode::Enter);
    match jobs(&effects).as_slice() {
        [(_, Job::GetOrCreate(request))] => {
            assert!(request.lookup.is_covered_by_unique_name());
            assert_eq!(request.defaults.fields().count(), 2);
        }
        other => panic!("expected one get_or_create, got {other:?}"),
    }
    // The form is ready for the next entry at once; Ctrl-P brings this one back, for F6.
    assert_eq!(app.form.values(), ["", "", "", ""]);
    ctrl(&mut app, 'p');
    assert_eq!(app.form.values(), ["Argo", "Saha", "M", "10"]);
    let effects = press(&mut app, KeyCode::F(6));
    assert!(matches!(
        jobs(&effects).as_slice(),
        [(_, Job::UpdateOrCreate(_))]
    ));
    // F5 works from the table too.
    let (mut app, _) = new_app();
    type_text(&mut app, "Bo");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::Table);
    let effects = press(&mut app, KeyCode::F(5));
    assert!(matches!(
        jobs(&effects).as_slice(),
        [(_, Job::GetOrCreate(_))]
    ));
}

/// Enter twice in a hurry runs the entry once: the form makes way for the next entry as the
/// first is sent, and an Enter (or F6) on that empty form sends nothing (an empty lookup would
/// match every profile), leaving the first one's progress and then its outcome in view. The
/// next entry typed goes at once.
#[test]
fn enter_twice_in_a_hurry_runs_the_entry_once() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![]);
    type_text(&mut app, "Argo");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Saha");
    let sent = jobs(&press(&mut app, KeyCode::Enter));
    assert_eq!(sent.len(), 1);
    assert!(jobs(&press(&mut app, KeyCode::Enter)).is_empty());
    assert!(jobs(&press(&mut app, KeyCode::F(6))).is_empty());
    assert!(matches!(&app.status, Status::Busy(..)), "{:?}", app.status);
    respond(
        &mut app,
        sent[0].0,
        Reply::Operation(Ok((profile(7, "Argo", "Saha"), Outcome::Created))),
    );
    assert!(jobs(&press(&mut app, KeyCode::Enter)).is_empty());
    assert!(
        matches!(
            &app.status,
            Status::Done {
                outcome: Outcome::Created,
                ..
            }
        ),
        "{:?}",
        app.status
    );
    // Otherwise the status says why nothing was sent.
    app.status = Status::Info(String::new());
    assert!(jobs(&press(&mut app, KeyCode::Enter)).is_empty());
    assert!(
        matches!(&app.status, Status::Info(text) if text.contains("the form is empty")),
        "{:?}",
        app.status
    );
    type_text(&mut app, "x");
    assert_eq!(jobs(&press(&mut app, KeyCode::Enter)).len(), 1);
}

#[test]
fn invalid_input_is_reported_and_nothing_is_sent() {
    let (mut app, _) = new_app();
    app.form.focused = 3;
    type_text(&mut app, "900");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(jobs(&effects).is_empty());
    assert!(matches!(&app.status, Status::Failed(text) if text.contains("age must be")));
}

#[test]
fn an_outcome_highlights_the_row_and_scrolls_to_it() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(1, "A", "B")]);
    let argo = profile(7, "Argo", "Saha");
    type_text(&mut app, "Argo");
    let effects = press(&mut app, KeyCode::Enter);
    let (id, _) = jobs(&effects)[0].clone();
    let effects = respond(
        &mut app,
        id,
        Reply::Operation(Ok((argo.clone(), Outcome::Created))),
    );
    assert!(matches!(
        &app.status,
        Status::Done {
            outcome: Outcome::Created,
            ..
        }
    ));
    assert_eq!(app.highlight, Some((7, Outcome::Created)));
    assert!(app.created_this_session.contains(&7));
    assert_eq!(app.log.len(), 1);
    assert_eq!(app.log[0].statements, ["SELECT 1"]);
    let around = jobs(&effects)
        .into_iter()
        .find(|(_, job)| matches!(job, Job::Around { .. }))
        .expect("scrolls to the row");
    respond(
        &mut app,
        around.0,
        Reply::Around(Ok(profile_console::console::worker::AroundRows {
            rows: vec![profile(1, "A", "B"), argo],
            at_start: true,
            at_end: true,
        })),
    );
    assert_eq!(app.table.selected().map(|p| p.id), Some(7));
}

#[test]
fn stale_answers_are_dropped() {
    let (mut app, effects) = new_app();
    let first_page = jobs(&effects)
        .into_iter()
        .find(|(_, job)| matches!(job, Job::Page(_)))
        .unwrap()
        .0;
    press(&mut app, KeyCode::Esc);
    let effects = press(&mut app, KeyCode::Char('s'));
    assert_eq!(app.table.sort, SortColumn::FirstName);
    let second_page = jobs(&effects)
        .into_iter()
        .find(|(_, job)| matches!(job, Job::Page(_)))
        .unwrap()
        .0;
    respond(
        &mut app,
        first_page,
        Reply::Page(Ok(vec![profile(1, "Old", "Answer")])),
    );
    assert!(
        app.table.rows.is_empty(),
        "the answer for the old sort is dropped"
    );
    respond(
        &mut app,
        second_page,
        Reply::Page(Ok(vec![profile(2, "New", "Answer")])),
    );
    assert_eq!(app.table.rows[0].first_name, "New");
}

#[test]
fn the_preview_waits_for_typing_to_pause() {
    let (mut app, _) = new_app();
    type_text(&mut app, "Ar");
    assert_eq!(app.preview, Preview::Waiting);
    let effects = app.update(Action::Tick(Instant::now()));
    assert!(jobs(&effects).is_empty(), "not yet: still debouncing");
    let effects = app.update(Action::Tick(Instant::now() + Duration::from_millis(500)));
    let (id, job) = jobs(&effects)
        .into_iter()
        .next()
        .expect("a preview request");
    let Job::Preview(lookup) = job else {
        panic!("expected a preview")
    };
    respond(
        &mut app,
        id,
        Reply::Preview(Ok(PreviewMatch {
            lookup,
            rows: vec![],
            count: 0,
        })),
    );
    assert!(matches!(app.preview, Preview::Ready(_)));
}

#[test]
fn table_keys_move_page_and_jump() {
    let (mut app, effects) = new_app();
    // A full page: the table goes on past what is loaded.
    let rows: Vec<Profile> = (1..=200)
        .map(|i| profile(i, "P", &format!("N{i}")))
        .collect();
    load(&mut app, &effects, rows);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Down);
    assert_eq!(app.table.cursor, 2);
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.table.cursor, 1);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.table.cursor, 1 + app.table.height);
    let effects = press(&mut app, KeyCode::Char('G'));
    assert!(jobs(&effects).iter().any(|(_, job)| matches!(job, Job::Page(r) if r.anchor.is_none() && r.towards == profile_console::domain::Towards::Backward)));
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(
        app.table.cursor, 0,
        "the first page is loaded: g answers at once"
    );
}

#[test]
fn when_every_row_is_loaded_g_and_shift_g_answer_from_memory() {
    let (mut app, effects) = new_app();
    load(
        &mut app,
        &effects,
        (1..=20)
            .map(|i| profile(i, "P", &format!("N{i}")))
            .collect(),
    );
    press(&mut app, KeyCode::Esc);
    let effects = press(&mut app, KeyCode::Char('G'));
    assert!(jobs(&effects).is_empty());
    assert_eq!(app.table.cursor, 19);
}

#[test]
fn delete_asks_first_and_names_the_row() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(3, "Argo", "Saha")]);
    press(&mut app, KeyCode::Esc);
    let effects = press(&mut app, KeyCode::Char('d'));
    assert!(jobs(&effects).is_empty());
    assert!(matches!(&app.overlay, Overlay::ConfirmDelete(p) if p.id == 3));
    press(&mut app, KeyCode::Char('n'));
    assert!(matches!(app.overlay, Overlay::None));
    press(&mut app, KeyCode::Char('d'));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(jobs(&effects).as_slice(), [(_, Job::Delete(3))]));
}

#[test]
fn enter_on_a_row_edits_it_and_saves_only_the_changed_fields_by_its_id() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(3, "Bea", "Lind")]);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, Focus::Form);
    assert_eq!(app.form.editing.as_ref().map(|p| p.id), Some(3));
    assert_eq!(app.form.values(), ["Bea", "Lind", "M", "10"]);
    // Nothing changed: nothing is sent.
    assert!(jobs(&press(&mut app, KeyCode::Enter)).is_empty());
    assert!(matches!(&app.status, Status::Info(text) if text.contains("nothing changed in #3")));
    // A rename: update_or_create on id 3 with the changed field alone, whichever run key.
    for key in [KeyCode::Enter, KeyCode::F(5), KeyCode::F(6)] {
        let (mut app, effects) = new_app();
        load(&mut app, &effects, vec![profile(3, "Bea", "Lind")]);
        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Tab);
        ctrl(&mut app, 'u');
        type_text(&mut app, "Linx");
        let effects = press(&mut app, key);
        match jobs(&effects).as_slice() {
            [(_, Job::UpdateOrCreate(request))] => {
                assert_eq!(request.lookup.describe(), "id=3");
                assert_eq!(
                    request
                        .defaults
                        .get(profile_console::domain::Field::LastName)
                        .map(|v| v.to_string())
                        .as_deref(),
                    Some("Linx")
                );
                assert_eq!(request.defaults.fields().count(), 1);
                assert!(request.create_defaults.is_none());
            }
            other => panic!("expected one update_or_create, got {other:?}"),
        }
        // Refused (the name is another row's): the edit is back, bound to its row.
        let (id, _) = jobs(&effects)[0].clone();
        assert!(app.form.editing.is_none());
        respond(
            &mut app,
            id,
            Reply::Operation(Err(profile_console::error::Error::NoSuchProfile(3))),
        );
        assert_eq!(app.form.editing.as_ref().map(|p| p.id), Some(3));
        assert_eq!(app.form.values(), ["Bea", "Linx", "M", "10"]);
    }
}

#[test]
fn esc_leaves_edit_mode_without_writing() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(3, "Bea", "Lind")]);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "x");
    let effects = press(&mut app, KeyCode::Esc);
    assert!(jobs(&effects).is_empty());
    assert_eq!(app.focus, Focus::Table);
    assert!(app.form.editing.is_none());
    assert_eq!(app.form.values(), ["", "", "", ""]);
    assert!(
        matches!(&app.status, Status::Info(text) if text.contains("stopped editing #3; nothing written"))
    );
}

fn enter_a_profile(app: &mut App, values: [&str; 4]) -> u64 {
    for (at, value) in values.iter().enumerate() {
        type_text(app, value);
        if at < 3 {
            press(app, KeyCode::Tab);
        }
    }
    let effects = press(app, KeyCode::Enter);
    jobs(&effects)[0].0
}

#[test]
fn after_a_save_the_form_is_ready_for_the_next_entry_and_ctrl_p_brings_it_back() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![]);
    // A role changed for this entry stays for the next.
    app.form.focused = 3;
    ctrl(&mut app, 't');
    app.form.focused = 0;
    let id = enter_a_profile(&mut app, ["Argo", "Saha", "M", "10"]);
    respond(
        &mut app,
        id,
        Reply::Operation(Ok((profile(1, "Argo", "Saha"), Outcome::Created))),
    );
    assert_eq!(app.form.values(), ["", "", "", ""]);
    assert_eq!(app.form.focused, 0);
    assert_eq!(app.form.fields[3].role, FieldRole::CreateDefault);
    // The next entry costs its characters plus 3 Tab and Enter.
    let id = enter_a_profile(&mut app, ["Bea", "Lind", "F", "31"]);
    respond(
        &mut app,
        id,
        Reply::Operation(Ok((profile(2, "Bea", "Lind"), Outcome::Created))),
    );
    ctrl(&mut app, 'p');
    assert_eq!(app.form.values(), ["Bea", "Lind", "F", "31"]);
    assert_eq!(app.form.focused, 0);
    // Ctrl-X starts over: values, roles and field.
    app.form.focused = 2;
    ctrl(&mut app, 'x');
    assert_eq!(app.form.values(), ["", "", "", ""]);
    assert_eq!(app.form.focused, 0);
    assert_eq!(app.form.fields[3].role, FieldRole::Default);
}

/// Keys typed while a save runs (or typed ahead, before the console has read the first ones) go
/// into the next entry, never onto the one sent. A failed save puts its entry back when nothing
/// has been typed since, and otherwise keeps it for Ctrl-P.
#[test]
fn what_was_typed_while_a_save_ran_is_the_next_entry_and_a_failure_keeps_the_entry() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![]);
    let first = enter_a_profile(&mut app, ["Argo", "Saha", "M", "10"]);
    let second = enter_a_profile(&mut app, ["Bo", "Lee", "F", "20"]);
    type_text(&mut app, "Cy");
    respond(
        &mut app,
        first,
        Reply::Operation(Ok((profile(1, "Argo", "Saha"), Outcome::Created))),
    );
    assert_eq!(app.form.values(), ["Cy", "", "", ""]);
    // A failure while the next entry is being typed: the typing stays.
    respond(
        &mut app,
        second,
        Reply::Operation(Err(profile_console::error::Error::NoSuchProfile(9))),
    );
    assert_eq!(app.form.values(), ["Cy", "", "", ""]);
    assert!(
        matches!(&app.status, Status::Failed(text) if text.contains("that entry back")),
        "{:?}",
        app.status
    );
    ctrl(&mut app, 'p');
    assert_eq!(app.form.values(), ["Bo", "Lee", "F", "20"]);
    // A failure with nothing typed since: the entry is back to be corrected.
    let effects = press(&mut app, KeyCode::Enter);
    let (third, _) = jobs(&effects)[0].clone();
    assert_eq!(app.form.values(), ["", "", "", ""]);
    respond(
        &mut app,
        third,
        Reply::Operation(Err(profile_console::error::Error::NoSuchProfile(9))),
    );
    assert_eq!(app.form.values(), ["Bo", "Lee", "F", "20"]);
}

#[test]
fn search_is_applied_as_typed_and_esc_undoes_it() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    let effects: Vec<Effect> = "sa"
        .chars()
        .flat_map(|c| press(&mut app, KeyCode::Char(c)))
        .collect();
    assert_eq!(app.table.filter.search.as_deref(), Some("sa"));
    assert!(
        jobs(&effects)
            .iter()
            .any(|(_, job)| matches!(job, Job::Page(r) if r.filter.search.as_deref() == Some("s")))
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.table.filter.search, None);
}

#[test]
fn q_quits_from_the_table_and_ctrl_c_from_anywhere() {
    let (mut app, _) = new_app();
    assert!(
        ctrl(&mut app, 'c')
            .iter()
            .any(|e| matches!(e, Effect::Quit))
    );
    press(&mut app, KeyCode::Esc);
    assert!(
        press(&mut app, KeyCode::Char('q'))
            .iter()
            .any(|e| matches!(e, Effect::Quit))
    );
}

/// Esc and the key right after it arrive as one Alt key when typed in a hurry (the terminal
/// cannot tell them apart): an Alt key bound to nothing is the two keys.
#[test]
fn esc_then_a_key_in_a_hurry_is_both_keys() {
    let (mut app, _) = new_app();
    type_text(&mut app, "Ann");
    let alt = |app: &mut App, c: char| {
        app.update(Action::Terminal(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::ALT,
        ))))
    };
    // Esc leaves the form for the table, and q there quits; the field keeps what was typed.
    assert!(alt(&mut app, 'q').iter().any(|e| matches!(e, Effect::Quit)));
    assert_eq!(app.focus, Focus::Table);
    assert_eq!(app.form.fields[0].input.value(), "Ann");
    // A capital comes with Shift too: Esc then I (import) is Alt-Shift-I.
    let (mut app, _) = new_app();
    app.update(Action::Terminal(Event::Key(KeyEvent::new(
        KeyCode::Char('I'),
        KeyModifiers::ALT | KeyModifiers::SHIFT,
    ))));
    assert_eq!(app.focus, Focus::Table);
    assert!(
        matches!(&app.overlay, Overlay::Prompt { .. }),
        "{:?}",
        app.status
    );
}

/// Keys typed while the console starts reach it after the terminal has turned Enter into a line
/// feed, which then reads as Ctrl-J: it is Enter.
#[test]
fn an_enter_typed_ahead_as_a_line_feed_is_enter() {
    let (mut app, _) = new_app();
    type_text(&mut app, "Ann");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Lee");
    let effects = ctrl(&mut app, 'j');
    assert!(matches!(
        jobs(&effects).as_slice(),
        [(_, Job::GetOrCreate(_))]
    ));
    assert_eq!(app.form.values(), ["", "", "", ""]);
}

#[test]
fn help_opens_and_any_key_closes_it() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::F(1));
    assert!(matches!(app.overlay, Overlay::Help));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(app.focus, Focus::Form, "the closing key does nothing else");
}

#[test]
fn a_click_focuses_a_field_or_selects_a_row() {
    let (mut app, effects) = new_app();
    load(
        &mut app,
        &effects,
        (1..=5).map(|i| profile(i, "P", &format!("N{i}"))).collect(),
    );
    let regions = profile_console::console::ui::layout::regions(app.size);
    let click = |column, row| {
        Action::Terminal(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    };
    app.update(click(regions.table_rows.x + 3, regions.table_rows.y + 2));
    assert_eq!(app.focus, Focus::Table);
    assert_eq!(app.table.cursor, 2);
    app.update(click(regions.form.x + 3, regions.form.y + 3));
    assert_eq!(app.focus, Focus::Form);
    assert_eq!(app.form.focused, 2);
}

#[test]
fn database_errors_show_in_the_status_line_and_the_console_goes_on() {
    let (mut app, effects) = new_app();
    let (page, _) = jobs(&effects)
        .into_iter()
        .find(|(_, job)| matches!(job, Job::Page(_)))
        .unwrap();
    respond(
        &mut app,
        page,
        Reply::Page(Err(profile_console::Error::RaceLost)),
    );
    assert!(
        matches!(&app.status, Status::Failed(text) if text.starts_with("could not load profiles"))
    );
    press(&mut app, KeyCode::Esc);
    let effects = press(&mut app, KeyCode::Char('r'));
    assert!(
        jobs(&effects)
            .iter()
            .any(|(_, job)| matches!(job, Job::Page(_))),
        "refresh tries again"
    );
}

#[test]
fn the_inspect_view_scrolls_and_esc_closes_it() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::F(2));
    // As the render found it: the report is 30 lines longer than the pop-up.
    app.popup_max_scroll.set(30);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.popup_scroll, 25);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.popup_scroll, 30, "held at the end");
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.popup_scroll, 0);
    assert!(matches!(app.overlay, Overlay::Inspect));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Overlay::None));
}

/// Starts a get_or_create from a filled form; returns its request id.
fn start_get_or_create(app: &mut App) -> u64 {
    for (text, key) in [
        ("Argo", KeyCode::Tab),
        ("Saha", KeyCode::Tab),
        ("M", KeyCode::Tab),
    ] {
        type_text(app, text);
        press(app, key);
    }
    type_text(app, "10");
    match jobs(&press(app, KeyCode::Enter)).as_slice() {
        [(id, Job::GetOrCreate(_))] => *id,
        other => panic!("expected one get_or_create, got {other:?}"),
    }
}

#[test]
fn a_slow_write_shows_its_time_and_esc_cancels_it_on_the_server() {
    let (mut app, _) = App::new("db".into(), Backend::Postgres, Rect::new(0, 0, 120, 30));
    let id = start_get_or_create(&mut app);
    // Right after Enter, Esc still means "go to the table".
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::Table);
    assert!(!app.cancel_offered());
    app.update(Action::Tick(Instant::now() + Duration::from_secs(3)));
    assert!(app.cancel_offered(), "after a second the status offers Esc");
    let effects = press(&mut app, KeyCode::Esc);
    assert!(
        effects.iter().any(|e| matches!(e, Effect::CancelOnServer)),
        "{effects:?}"
    );
    assert!(app.cancelling());
    assert!(matches!(&app.status, Status::Busy(text, _) if text.contains("cancelling")));
    // The server's answer settles it.
    respond(
        &mut app,
        id,
        Reply::Operation(Err(profile_console::Error::Cancelled)),
    );
    assert!(!app.operation_running());
    assert!(matches!(&app.status, Status::Failed(text) if text.contains("cancelled")));
}

#[test]
fn a_write_left_unanswered_is_given_up_on_and_said_to_be_unknown() {
    let (mut app, _) = new_app();
    app.give_up_after = Duration::from_secs(5);
    let id = start_get_or_create(&mut app);
    let effects = app.update(Action::Tick(Instant::now() + Duration::from_secs(6)));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::ReplaceWorker)),
        "{effects:?}"
    );
    assert!(!app.operation_running());
    match &app.status {
        Status::Failed(text) => assert!(
            text.contains("unknown") && text.contains("get_or_create"),
            "{text}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        app.log
            .last()
            .is_some_and(|entry| entry.result.starts_with("UNKNOWN"))
    );
    // The table is read again from the new worker; the old answer, should it come, is dropped.
    assert!(
        jobs(&effects)
            .iter()
            .any(|(_, job)| matches!(job, Job::Page(_) | Job::Around { .. }))
    );
    respond(
        &mut app,
        id,
        Reply::Operation(Ok((profile(1, "Argo", "Saha"), Outcome::Created))),
    );
    assert!(matches!(&app.status, Status::Failed(_)));
}

#[test]
fn a_second_esc_stops_waiting() {
    let (mut app, _) = new_app();
    start_get_or_create(&mut app);
    app.update(Action::Tick(Instant::now() + Duration::from_secs(2)));
    press(&mut app, KeyCode::Esc);
    let effects = press(&mut app, KeyCode::Esc);
    assert!(effects.iter().any(|e| matches!(e, Effect::ReplaceWorker)));
    assert!(!app.operation_running());
}

#[test]
fn a_big_table_shows_the_servers_estimate_until_the_exact_count_arrives() {
    let (mut app, effects) = App::new("db".into(), Backend::Postgres, Rect::new(0, 0, 120, 30));
    let sent = jobs(&effects);
    let estimate = sent
        .iter()
        .find(|(_, job)| matches!(job, Job::EstimateCount))
        .map(|(id, _)| *id);
    let count = sent
        .iter()
        .find(|(_, job)| matches!(job, Job::Count(_)))
        .map(|(id, _)| *id);
    let (Some(estimate), Some(count)) = (estimate, count) else {
        panic!("an estimate and a count are asked for: {sent:?}");
    };
    respond(&mut app, estimate, Reply::Estimate(Ok(Some(1_000_123))));
    assert_eq!(
        (app.table.total, app.table.total_is_estimate),
        (Some(1_000_123), true)
    );
    respond(&mut app, count, Reply::Count(Ok((1_000_000, 0))));
    assert_eq!(
        (app.table.total, app.table.total_is_estimate),
        (Some(1_000_000), false)
    );
}

#[test]
fn a_small_or_late_estimate_is_not_shown() {
    let (mut app, effects) = new_app();
    let sent = jobs(&effects);
    let id_of = |wanted: fn(&Job) -> bool| {
        sent.iter()
            .find(|(_, job)| wanted(job))
            .map(|(id, _)| *id)
            .unwrap()
    };
    let estimate = id_of(|job| matches!(job, Job::EstimateCount));
    let count = id_of(|job| matches!(job, Job::Count(_)));
    respond(&mut app, estimate, Reply::Estimate(Ok(Some(12))));
    assert_eq!(
        app.table.total, None,
        "a small table is counted exactly in a moment"
    );
    respond(&mut app, count, Reply::Count(Ok((7, 0))));
    assert_eq!(app.table.total, Some(7));
}

#[test]
fn an_old_error_is_cleared_when_a_new_view_loads() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(1, "Argo", "Saha")]);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('f'));
    type_text(&mut app, "nonsense");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.status, Status::Failed(_)), "{:?}", app.status);
    press(&mut app, KeyCode::Esc);
    let effects = press(&mut app, KeyCode::Char('s'));
    let around = jobs(&effects)
        .into_iter()
        .find(|(_, job)| matches!(job, Job::Around { .. }))
        .expect("sorting reads the rows around the cursor row");
    respond(
        &mut app,
        around.0,
        Reply::Around(Ok(profile_console::console::worker::AroundRows {
            rows: vec![profile(1, "Argo", "Saha")],
            at_start: true,
            at_end: true,
        })),
    );
    assert!(!matches!(app.status, Status::Failed(_)), "{:?}", app.status);
}

#[test]
fn slash_starts_empty_so_typing_replaces_the_search() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(1, "Argo", "Saha")]);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "saha");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.table.filter.search.as_deref(), Some("saha"));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "argo");
    assert_eq!(
        app.table.filter.search.as_deref(),
        Some("argo"),
        "replaced, not appended"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(
        app.table.filter.search.as_deref(),
        Some("saha"),
        "Esc brings the old search back"
    );
}

#[test]
fn a_fetch_says_which_typed_defaults_it_did_not_apply() {
    let (mut app, _) = new_app();
    // Argo Saha, M, 10 typed; the stored row is M, 70.
    let id = start_get_or_create(&mut app);
    let mut stored = profile(7, "Argo", "Saha");
    stored.age = 70;
    respond(
        &mut app,
        id,
        Reply::Operation(Ok((stored, Outcome::Fetched))),
    );
    match &app.status {
        Status::Done { not_applied, .. } => assert_eq!(not_applied, &["age 10"]),
        other => panic!("{other:?}"),
    }
}

fn around_job(effects: &[Effect]) -> (u64, profile_console::domain::PageRequest, RowRef) {
    jobs(effects)
        .into_iter()
        .find_map(|(id, job)| match job {
            Job::Around {
                request, anchor, ..
            } => Some((id, request, anchor)),
            _ => None,
        })
        .expect("rows around a row are asked for")
}

#[test]
fn a_digit_sorts_by_that_column_keeping_the_cursor_on_its_row_and_again_reverses() {
    let (mut app, effects) = new_app();
    load(
        &mut app,
        &effects,
        vec![profile(1, "Bo", "Li"), profile(2, "Ana", "Saha")],
    );
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Down);
    let effects = press(&mut app, KeyCode::Char('3'));
    let (_, request, anchor) = around_job(&effects);
    assert_eq!(
        (request.sort, request.descending),
        (SortColumn::LastName, false)
    );
    assert_eq!(anchor, RowRef::Row(Box::new(profile(2, "Ana", "Saha"))));
    let effects = press(&mut app, KeyCode::Char('3'));
    let (_, request, _) = around_job(&effects);
    assert_eq!(
        (request.sort, request.descending),
        (SortColumn::LastName, true)
    );
    let effects = press(&mut app, KeyCode::Char('s'));
    let (_, request, _) = around_job(&effects);
    assert_eq!(
        (request.sort, request.descending),
        (SortColumn::Gender, false)
    );
}

#[test]
fn go_to_id_shows_the_row_or_says_why_not() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(1, "Bo", "Li")]);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "x");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(&app.status, Status::Failed(text) if text.contains("whole number")));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "42");
    let effects = press(&mut app, KeyCode::Enter);
    let (id, _, anchor) = around_job(&effects);
    assert_eq!(anchor, RowRef::Id(42));
    respond(
        &mut app,
        id,
        Reply::Around(Err(profile_console::error::Error::NoSuchProfile(42))),
    );
    assert!(matches!(&app.status, Status::Failed(text) if text == "there is no profile #42"));

    press(&mut app, KeyCode::Char('#'));
    type_text(&mut app, "7");
    let effects = press(&mut app, KeyCode::Enter);
    let (id, _, _) = around_job(&effects);
    let rows: Vec<Profile> = (1..=60)
        .map(|n| profile(n, "Bo", &format!("L{n}")))
        .collect();
    let effects = respond(
        &mut app,
        id,
        Reply::Around(Ok(profile_console::console::worker::AroundRows {
            rows,
            at_start: false,
            at_end: false,
        })),
    );
    assert_eq!(app.table.selected().map(|p| p.id), Some(7));
    assert!(matches!(&app.status, Status::Info(text) if text == "at profile #7"));
    // Where #7 is in the whole table is counted in the background.
    assert_eq!(app.table.position(), None);
    let (position, request) = jobs(&effects)
        .into_iter()
        .find_map(|(id, job)| match job {
            Job::Position(request) => Some((id, request)),
            _ => None,
        })
        .expect("asks where the row is");
    assert_eq!(request.anchor.map(|p| p.id), Some(7));
    respond(&mut app, position, Reply::Position(Ok(1_000)));
    assert_eq!(app.table.position(), Some(1_001));
    press(&mut app, KeyCode::Down);
    assert_eq!(app.table.position(), Some(1_002));
}

#[test]
fn h_shows_the_rows_history_and_esc_closes_it() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(3, "Bea", "Lind")]);
    press(&mut app, KeyCode::Esc);
    let effects = press(&mut app, KeyCode::Char('h'));
    assert!(matches!(jobs(&effects).as_slice(), [(_, Job::History(3))]));
    assert!(matches!(app.overlay, Overlay::History(_)));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Overlay::None), "{:?}", app.overlay);
}

/// `q` in a hurry while an export or import runs: the first says what a quit would do (beside
/// the gauge, not under it); a second within a few seconds tells the run to stop and quits.
#[test]
fn quitting_while_a_transfer_runs_asks_twice_and_stops_it() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('I'));
    type_text(&mut app, "in.csv");
    press(&mut app, KeyCode::Enter);
    let stop = std::sync::Arc::clone(&app.transfer.as_ref().expect("the import starts").stop);

    let effects = press(&mut app, KeyCode::Char('q'));
    assert!(!effects.iter().any(|effect| matches!(effect, Effect::Quit)));
    assert!(!stop.load(std::sync::atomic::Ordering::Relaxed));
    let screen = render_text(&app);
    assert!(
        screen.contains("importing in.csv") && screen.contains("q again stops it"),
        "{screen}"
    );

    let effects = ctrl(&mut app, 'c');
    assert!(effects.iter().any(|effect| matches!(effect, Effect::Quit)));
    assert!(stop.load(std::sync::atomic::Ordering::Relaxed));
}

#[test]
fn enter_on_the_export_prompt_takes_the_suggested_name() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('x'));
    let effects = press(&mut app, KeyCode::Enter);
    let request = started_transfer(&effects);
    assert_eq!(
        request.path,
        std::path::PathBuf::from(app.export_suggestion.clone())
    );
}

#[test]
fn x_exports_the_view_and_i_imports_a_file_off_the_ui_thread_and_esc_stops_them() {
    use profile_console::console::transfer::{TransferEvent, TransferKind};
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::Esc); // to the table
    assert_eq!(app.focus, Focus::Table);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "saha");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('3')); // sort by last name

    // x: a prompt suggesting a file name (Enter alone takes it); a name typed replaces it,
    // rather than being added to its end.
    press(&mut app, KeyCode::Char('x'));
    let Overlay::Prompt { input, .. } = &app.overlay else {
        panic!("x opens a prompt, not {:?}", app.overlay)
    };
    assert_eq!(input.value(), "");
    let suggested = app.export_suggestion.clone();
    assert!(suggested.starts_with("profiles-") && suggested.ends_with(".csv"));
    assert!(
        render_text(&app).contains(&format!("export this view to: {suggested}")),
        "{}",
        render_text(&app)
    );
    type_text(&mut app, "out.jsonl");
    assert!(!render_text(&app).contains(&suggested));
    let effects = press(&mut app, KeyCode::Enter);
    let request = started_transfer(&effects);
    assert_eq!(request.kind, TransferKind::Export);
    assert_eq!(request.path, std::path::PathBuf::from("out.jsonl"));
    assert_eq!(request.view.filter.search.as_deref(), Some("saha"));
    assert_eq!(request.view.sort, SortColumn::LastName);
    assert!(app.transfer.is_some() && app.busy());

    // While it runs the table still answers, a second one is refused, Esc asks it to stop.
    let effects = press(&mut app, KeyCode::Char('j'));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::StartTransfer(_)))
    );
    press(&mut app, KeyCode::Char('I'));
    assert!(matches!(app.status, Status::Failed(_)), "{:?}", app.status);
    app.update(Action::Transfer(TransferEvent::Progress {
        rows: 1000,
        fraction: Some(0.5),
    }));
    assert_eq!(app.transfer.as_ref().map(|run| run.rows), Some(1000));
    press(&mut app, KeyCode::Esc);
    assert!(request.stop.load(std::sync::atomic::Ordering::Relaxed));
    app.update(Action::Transfer(TransferEvent::Done(Err(
        "export stopped".into()
    ))));
    assert!(app.transfer.is_none());
    assert!(matches!(&app.status, Status::Failed(text) if text == "export stopped"));

    // I: an empty prompt; the import's end refreshes the table and reports the counts.
    press(&mut app, KeyCode::Char('I'));
    type_text(&mut app, "people.csv");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::StartTransfer(r) if r.kind == TransferKind::Import))
    );
    let effects = app.update(Action::Transfer(TransferEvent::Done(Ok(
        "imported people.csv: 2 rows in 0.0 s: 2 created".into(),
    ))));
    assert!(!jobs(&effects).is_empty(), "the table is read again");
    assert!(matches!(&app.status, Status::Info(text) if text.contains("2 created")));
    assert!(
        app.log
            .iter()
            .any(|entry| entry.title == "import of people.csv")
    );
}

/// The id of the first job `effects` sent that `wanted` accepts.
fn job_id(effects: &[Effect], wanted: impl Fn(&Job) -> bool, what: &str) -> u64 {
    jobs(effects)
        .into_iter()
        .find(|(_, job)| wanted(job))
        .map(|(id, _)| id)
        .expect(what)
}

/// A new console whose watch has started at journal entry `watched` and whose first count said
/// `total` rows as of entry `counted`; then the next look at the journal is due. Returns that
/// look's job id.
fn watching(total: i64, watched: i64, counted: i64) -> (App, u64) {
    let (mut app, effects) = new_app();
    let count = job_id(&effects, |job| matches!(job, Job::Count(_)), "a count");
    let watch = job_id(
        &effects,
        |job| matches!(job, Job::Watch(_)),
        "the watch starts",
    );
    respond(&mut app, watch, Reply::Watched(Ok((Vec::new(), watched))));
    respond(&mut app, count, Reply::Count(Ok((total, counted))));
    let effects = app.update(Action::Tick(Instant::now() + Duration::from_secs(3)));
    let watch = job_id(
        &effects,
        |job| matches!(job, Job::Watch(_)),
        "the watch again",
    );
    (app, watch)
}

/// Another client's journal entry: profile `id` created.
fn created_by_another(id: i64) -> profile_console::repository::JournalEntry {
    use profile_console::repository::{ChangeAction, JournalEntry, RowState};
    let at = NaiveDate::from_ymd_opt(2026, 1, 2)
        .and_then(|d| d.and_hms_opt(3, 4, 5))
        .unwrap();
    JournalEntry {
        id,
        at,
        profile_id: id,
        action: ChangeAction::Created,
        old: None,
        new: Some(RowState {
            first_name: format!("N{id}"),
            last_name: "Import".into(),
            gender: "F".into(),
            age: 1,
            created_at: at,
            updated_at: at,
        }),
        source: "import".into(),
        db_user: None,
        os_user: None,
        session: Some("another".into()),
        reverts: None,
    }
}

/// Another client's burst (an import) that the last count already holds is not counted again as
/// the watch catches up on it; what comes after the count is.
#[test]
fn the_live_count_does_not_count_twice_what_the_count_already_holds() {
    // Counted while entries 101..=130 were committed: the count holds them.
    let (mut app, watch) = watching(530, 100, 130);
    let entries = (101..=135).map(created_by_another).collect();
    respond(&mut app, watch, Reply::Watched(Ok((entries, 135))));
    assert_eq!(
        app.table.total,
        Some(535),
        "only 131..=135 are new to the count"
    );
}

/// A burst by another client larger than one look at the journal (the watch gives the newest
/// entry past the last it read): the table is counted afresh, not by the entries read.
#[test]
fn a_burst_past_one_look_at_the_journal_is_counted_afresh() {
    let (mut app, watch) = watching(100, 100, 100);
    let entries = (101..=600).map(created_by_another).collect();
    let effects = respond(&mut app, watch, Reply::Watched(Ok((entries, 50_100))));
    let recount = job_id(
        &effects,
        |job| matches!(job, Job::Count(_)),
        "counted afresh",
    );
    respond(&mut app, recount, Reply::Count(Ok((50_100, 50_100))));
    assert_eq!(app.table.total, Some(50_100));
}

#[test]
fn read_only_write_keys_say_why_and_send_nothing_while_reads_and_the_preview_go_on() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(1, "Ada", "Byron")]);
    app.set_read_only(true);
    type_text(&mut app, "Zed");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Quux");
    for key in [KeyCode::Enter, KeyCode::F(5), KeyCode::F(6)] {
        let effects = press(&mut app, key);
        assert!(
            !jobs(&effects)
                .iter()
                .any(|(_, job)| matches!(job, Job::GetOrCreate(_) | Job::UpdateOrCreate(_))),
            "{key:?} sent a write"
        );
        assert!(
            matches!(&app.status, Status::Failed(text) if text.contains("read-only")),
            "{key:?}: {:?}",
            app.status
        );
    }
    // The table: delete, undo and import are refused too; moving and searching are not.
    press(&mut app, KeyCode::Esc);
    for (key, control) in [
        (KeyCode::Char('d'), false),
        (KeyCode::Char('z'), true),
        (KeyCode::Char('I'), false),
    ] {
        let effects = if control {
            ctrl(&mut app, 'z')
        } else {
            press(&mut app, key)
        };
        assert!(
            !jobs(&effects)
                .iter()
                .any(|(_, job)| matches!(job, Job::Delete(_) | Job::Undo(_))),
            "{key:?} sent a write"
        );
        assert!(
            matches!(app.overlay, Overlay::None),
            "{key:?} opened {:?}",
            app.overlay
        );
        assert!(matches!(&app.status, Status::Failed(text) if text.contains("read-only")));
    }
    let effects = press(&mut app, KeyCode::Char('/'));
    assert!(jobs(&effects).is_empty());
    assert!(!matches!(app.overlay, Overlay::None), "search opens");
}

/// Enter then Esc q in a hurry: the console waits for the write's answer, quits then, and has
/// the answer printed once the terminal is back; q again quits at once, saying that the outcome
/// is unknown.
#[test]
fn a_quit_while_a_write_runs_waits_for_its_answer() {
    let quits = |effects: &[Effect]| effects.iter().any(|e| matches!(e, Effect::Quit));
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![]);
    let id = enter_a_profile(&mut app, ["Argo", "Saha", "M", "10"]);
    press(&mut app, KeyCode::Esc);
    assert!(!quits(&press(&mut app, KeyCode::Char('q'))));
    assert!(
        matches!(&app.status, Status::Busy(text, _) if text.contains("quitting once get_or_create")),
        "{:?}",
        app.status
    );
    let effects = respond(
        &mut app,
        id,
        Reply::Operation(Ok((profile(1, "Argo", "Saha"), Outcome::Created))),
    );
    assert!(quits(&effects));
    assert_eq!(app.parting, ["CREATED #1 Argo Saha (M, 10)"]);

    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![]);
    enter_a_profile(&mut app, ["Argo", "Saha", "M", "10"]);
    assert!(!quits(&ctrl(&mut app, 'c')));
    assert!(quits(&ctrl(&mut app, 'c')));
    assert_eq!(app.parting.len(), 1);
    assert!(
        app.parting[0].contains("unknown whether get_or_create"),
        "{:?}",
        app.parting
    );
}

/// Ctrl-Z pressed twice in a hurry undoes two changes, and d y on two rows in a hurry deletes
/// both: every answer is shown in the log and the table, not only the last one sent.
#[test]
fn writes_repeated_in_a_hurry_each_get_their_answer() {
    use profile_console::repository::{ChangeAction, Undone};
    let (mut app, effects) = new_app();
    load(
        &mut app,
        &effects,
        vec![
            profile(1, "A", "B"),
            profile(2, "C", "D"),
            profile(3, "E", "F"),
        ],
    );
    let undos: Vec<u64> = [ctrl(&mut app, 'z'), ctrl(&mut app, 'z')]
        .iter()
        .flat_map(|effects| jobs(effects))
        .filter(|(_, job)| matches!(job, Job::Undo(None)))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(undos.len(), 2);
    for (id, change) in undos.into_iter().zip([12, 11]) {
        respond(
            &mut app,
            id,
            Reply::Undone(Ok(Some(Undone {
                change,
                action: ChangeAction::Created,
                profile: None,
                profile_id: change,
            }))),
        );
    }
    assert_eq!(app.log.len(), 2, "{:?}", app.log);
    assert!(!app.operation_running());

    press(&mut app, KeyCode::Esc);
    let mut deletes = Vec::new();
    for _ in 0..2 {
        press(&mut app, KeyCode::Char('d'));
        let effects = press(&mut app, KeyCode::Char('y'));
        deletes.extend(
            jobs(&effects)
                .into_iter()
                .filter(|(_, job)| matches!(job, Job::Delete(_))),
        );
        press(&mut app, KeyCode::Down);
    }
    assert_eq!(deletes.len(), 2);
    for (id, job) in deletes {
        let Job::Delete(row) = job else {
            unreachable!()
        };
        respond(
            &mut app,
            id,
            Reply::Deleted(Ok(Some(profile(row, "x", "y")))),
        );
    }
    assert_eq!(app.log.len(), 4, "{:?}", app.log);
    assert!(!app.operation_running());
}

/// What a repository says once the database file at `/tmp/x.db` is deleted or replaced.
fn file_gone() -> profile_console::error::Error {
    profile_console::error::Error::FileGone {
        path: "/tmp/x.db".to_owned(),
    }
}

/// A write refused because the database file was deleted or replaced: the table is read again,
/// from whatever file is at the path now.
#[test]
fn a_file_gone_under_the_console_reloads_the_table() {
    let (mut app, effects) = new_app();
    load(&mut app, &effects, vec![profile(1, "A", "B")]);
    let id = enter_a_profile(&mut app, ["Argo", "Saha", "M", "10"]);
    let effects = respond(&mut app, id, Reply::Operation(Err(file_gone())));
    job_id(
        &effects,
        |job| matches!(job, Job::Count(_)),
        "a count afresh",
    );
    assert_eq!(app.form.values(), ["Argo", "Saha", "M", "10"]);
}

/// The watch finds the database file replaced (a backup restored over it) or deleted: the table
/// and its count are read again from the file at the path now, the status says why, and the
/// watch starts afresh there.
#[test]
fn a_file_replaced_under_the_console_is_shown_afresh() {
    let (mut app, watch) = watching(10, 100, 100);
    let effects = respond(&mut app, watch, Reply::Watched(Err(file_gone())));
    job_id(
        &effects,
        |job| matches!(job, Job::Count(_)),
        "a count afresh",
    );
    assert!(
        matches!(&app.status, Status::Info(text) if text.contains("/tmp/x.db was replaced or deleted")),
        "{:?}",
        app.status
    );
    let effects = app.update(Action::Tick(Instant::now() + Duration::from_secs(6)));
    assert!(
        jobs(&effects)
            .iter()
            .any(|(_, job)| matches!(job, Job::Watch(None))),
        "{:?}",
        jobs(&effects)
    );
}
