//! Opening a file that may be a FIFO without waiting for ever for its other end, so that Esc
//! (or Ctrl-C) still stops an export or import aimed at one nobody has opened yet.
//!
//! A plain `open` of a FIFO blocks until the other end is opened, and cannot be interrupted; a
//! thread left blocked there would also take the next process to open the other end, and close
//! it at once. So a FIFO is opened non-blocking, and the other end waited for by polling.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often a wait for the other end (or for an input) looks at the stop flag.
pub(crate) const POLL: Duration = Duration::from_millis(50);

/// Whether `path` is a FIFO (a named pipe).
pub fn is_fifo(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| meta.file_type().is_fifo())
}

/// Which end of the file is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Read,
    Write,
}

/// Opens `path` for reading or writing (without truncating). At a FIFO, waits for the other end,
/// looking at `stop` as it goes: `None` when stopped first. Anything else opens as usual.
pub fn open_unless_stopped(
    path: &Path,
    end: End,
    stop: &AtomicBool,
) -> Option<std::io::Result<File>> {
    let fifo = is_fifo(path);
    let mut options = OpenOptions::new();
    match end {
        End::Read => options.read(true),
        End::Write => options.write(true),
    };
    if !fifo {
        return Some(options.open(path));
    }
    options.custom_flags(libc::O_NONBLOCK);
    let file = loop {
        match options.open(path) {
            Ok(file) => break file,
            // Writing: nobody reads yet.
            Err(err) if err.raw_os_error() == Some(libc::ENXIO) => {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                std::thread::sleep(POLL);
            }
            Err(err) => return Some(Err(err)),
        }
    };
    // Reading: the open does not wait; the first bytes (or a writer that came and went) do.
    while end == End::Read && !ready_to_read(&file) {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
    }
    Some(blocking(file))
}

/// Whether `file` has bytes to read or its writer has gone, waiting at most [`POLL`].
fn ready_to_read(file: &File) -> bool {
    let mut poll = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = i32::try_from(POLL.as_millis()).unwrap_or(50);
    // SAFETY: one valid pollfd for a descriptor `file` keeps open.
    let ready = unsafe { libc::poll(&mut poll, 1, millis) };
    ready > 0 && poll.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
}

/// `file` with its reads and writes waiting again, as the readers and writers expect.
fn blocking(file: File) -> std::io::Result<File> {
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor `file` keeps open.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fifo() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        (dir, path)
    }

    /// Nobody at the other end: the wait ends when asked, and leaves nothing open behind.
    #[test]
    fn a_fifo_nobody_opens_is_waited_for_until_stopped() {
        let (_dir, path) = fifo();
        for end in [End::Read, End::Write] {
            let stop = AtomicBool::new(false);
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    std::thread::sleep(Duration::from_millis(200));
                    stop.store(true, Ordering::Relaxed);
                });
                assert!(open_unless_stopped(&path, end, &stop).is_none(), "{end:?}");
            });
        }
    }

    /// The other end comes: what it sends arrives whole, as from any file.
    #[test]
    fn a_fifo_is_read_and_written_once_the_other_end_comes() {
        use std::io::{Read, Write};
        let (_dir, path) = fifo();
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(100));
                let mut writer = open_unless_stopped(&path, End::Write, &stop)
                    .unwrap()
                    .unwrap();
                writer.write_all(&vec![b'x'; 200_000]).unwrap();
            });
            let mut reader = open_unless_stopped(&path, End::Read, &stop)
                .unwrap()
                .unwrap();
            let mut all = Vec::new();
            reader.read_to_end(&mut all).unwrap();
            assert_eq!(all.len(), 200_000);
        });
        let plain = path.with_file_name("plain");
        std::fs::write(&plain, "text").unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut open_unless_stopped(&plain, End::Read, &stop)
                .unwrap()
                .unwrap(),
            &mut text,
        )
        .unwrap();
        assert_eq!(text, "text");
    }
}
