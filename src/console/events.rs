//! The one channel the UI waits on: terminal input (read on a thread of its own), the database
//! worker's answers, and a stop request on SIGTERM. Timers are the wait's deadline, so the UI
//! sleeps until something happens instead of polling.

use std::sync::mpsc::Sender;
use std::thread;

use ratatui::crossterm::event::{self, Event};

use super::worker::Response;

#[derive(Debug)]
pub enum UiEvent {
    Terminal(Event),
    Response(Response),
    /// How an export or import is getting on.
    Transfer(super::transfer::TransferEvent),
    /// The terminal can no longer be read (it is gone): the console ends.
    InputClosed(String),
    /// A signal to end (SIGTERM, SIGINT, SIGQUIT, SIGHUP), by its number: restore the terminal
    /// and end, with the status a shell expects (128 + the number).
    Stop(i32),
}

/// Reads the terminal on a thread of its own, for as long as the UI listens.
pub fn spawn_input(events: Sender<UiEvent>) -> std::io::Result<()> {
    thread::Builder::new()
        .name("terminal-input".into())
        .spawn(move || {
            loop {
                let event = match event::read() {
                    Ok(event) => UiEvent::Terminal(event),
                    Err(err) => {
                        let _ = events.send(UiEvent::InputClosed(err.to_string()));
                        return;
                    }
                };
                if events.send(event).is_err() {
                    return;
                }
            }
        })
        .map(drop)
}

/// Turns SIGTERM, SIGINT, SIGQUIT and SIGHUP into [`UiEvent::Stop`], so the terminal is
/// restored however the process is asked to end (Ctrl-C itself is a key in raw mode: these come
/// from `kill`, a process manager, or a terminal that went away); a second one ends the process
/// at once.
pub fn spawn_signals(events: Sender<UiEvent>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    const STOPPING: [i32; 4] = [SIGTERM, SIGINT, SIGQUIT, SIGHUP];
    let armed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in STOPPING {
        signal_hook::flag::register_conditional_shutdown(signal, 1, std::sync::Arc::clone(&armed))?;
        signal_hook::flag::register(signal, std::sync::Arc::clone(&armed))?;
    }
    let mut signals = signal_hook::iterator::Signals::new(STOPPING)?;
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if events.send(UiEvent::Stop(signal)).is_err() {
                    return;
                }
            }
        })
        .map(drop)
}
