#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| handover::fuzzing::serve_path(data));
