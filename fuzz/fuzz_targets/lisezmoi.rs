//! Fuzz target `lisezmoi`: see `reprise::fuzzing::lisezmoi`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::lisezmoi(data));
