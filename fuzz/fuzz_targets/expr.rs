//! Any text as a spec: `expr(...)` specs that parse are evaluated, differentiated and
//! printed back (see `actfn::expr::fuzz_one`); nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        // Most inputs should reach the expression parser.
        actfn::expr::fuzz_one(text);
        if !text.trim_start().starts_with("expr") {
            actfn::expr::fuzz_one(&format!("expr({text})"));
        }
    }
});
