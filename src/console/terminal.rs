//! Entering full-screen mode, and always leaving it: on normal exit, on error, on panic (a hook
//! restores the terminal before the panic message prints) and on SIGTERM, SIGINT, SIGQUIT and SIGHUP
//! (the loop stops).

use std::io::{Stdout, Write, stdout};
use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

use super::app::App;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub fn enter() -> std::io::Result<Term> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        previous(info);
    }));
    enable_raw_mode()?;
    if let Err(err) = execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    ) {
        leave();
        return Err(err);
    }
    Terminal::new(CrosstermBackend::new(stdout()))
}

/// Restores the terminal; safe to call more than once.
pub fn leave() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    );
    let _ = stdout().flush();
}

/// With `PROFILE_CONSOLE_STARTUP_LOG=FILE`, appends how long the process took to draw its first
/// frame and its first frame with the table filled (rows and count), in milliseconds.
pub struct StartupLog {
    file: Option<std::path::PathBuf>,
    started: Instant,
    first_frame: bool,
    done: bool,
}

impl StartupLog {
    pub fn from_env(started: Instant) -> StartupLog {
        StartupLog {
            file: std::env::var_os("PROFILE_CONSOLE_STARTUP_LOG").map(Into::into),
            started,
            first_frame: false,
            done: false,
        }
    }

    pub fn frame_drawn(&mut self, app: &App) {
        let Some(file) = &self.file else { return };
        if self.done {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64() * 1000.0;
        let mut lines = String::new();
        if !self.first_frame {
            self.first_frame = true;
            lines.push_str(&format!("first_frame_ms {elapsed:.1}\n"));
        }
        if app.table.total.is_some() && (!app.table.rows.is_empty() || app.table.total == Some(0)) {
            self.done = true;
            lines.push_str(&format!("first_full_frame_ms {elapsed:.1}\n"));
        }
        if !lines.is_empty()
            && let Ok(mut out) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
        {
            let _ = out.write_all(lines.as_bytes());
        }
    }
}
