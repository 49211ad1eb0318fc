// SOMA_MULTIVERSION: compiles a hot loop once per x86-64 vector width (AVX-512, AVX2, and the
// SSE2 baseline the rest of soma is built for) and picks the widest the CPU has when the
// program loads (GCC function multiversioning through an ifunc). The build passes no -march
// flags, so that one binary runs on any x86-64; without this, a loop gets 4-wide SSE only.
//
// Every version must round alike: soma is compiled with -ffp-contract=off (CMakeLists.txt),
// so the AVX-512 version does not fuse a * b + c into one FMA, and results do not depend on
// the CPU nor on where a loop's vector part ends. Use it on functions with internal linkage
// (in an anonymous namespace): one ifunc per translation unit, nothing for the linker to merge.
#pragma once

// clang (the fuzzing build, fuzz/) takes no target_clones on templates: one baseline version.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define SOMA_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SOMA_MULTIVERSION
#endif
