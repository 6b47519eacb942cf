//! Fuzz target `container`: see `reprise::fuzzing::container`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::container(data));
