#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| handover::fuzzing::redirects_writer(data));
