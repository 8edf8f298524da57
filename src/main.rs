//! The `stockroom` binary: everything happens in the library's CLI.

fn main() -> std::process::ExitCode {
    stockroom::cli::main()
}
