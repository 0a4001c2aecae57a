//! The floor for process start-up: a hello-world Rust binary, built by
//! compare.sh with `rustc -O`.
fn main() {
    println!("hello, world");
}
