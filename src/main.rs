//! The `profile-console` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    profile_console::cli::main()
}
