//! Links the command-line binary as a position-dependent executable on
//! Linux with glibc (`-no-pie`): its 5,000-odd pointer relocations are then
//! resolved by the linker instead of at every start, and the pages that hold
//! them are read from the file instead of copied and written (README,
//! "Speed": start-up). The library and the tests are unchanged.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bin=autograd-cli=-no-pie");
    }
}
