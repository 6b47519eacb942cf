//! Fuzz target `profile`: see `reprise::fuzzing::profile`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::profile(data));
