// Linux's mremap(2), for FlowTrack's slot arrays (SlotStorage.swift). Header only: nothing to link.
//
// glibc declares mremap only under _GNU_SOURCE, which the Swift Glibc module is not built with,
// and declares it variadic, which Swift cannot call. It is declared here with glibc's own
// prototype under another name, bound to the real symbol by an asm label, and called through a
// static inline function with fixed arguments (a correct variadic call, made by C).
#pragma once
#if defined(__linux__)
#include <stddef.h>

extern void *tlsdiag_mremap_variadic(void *old_address, size_t old_size, size_t new_size, int flags, ...)
    __asm__("mremap");

/// mremap(old, oldSize, newSize, MREMAP_MAYMOVE): the pages move (or grow in place), no byte is copied.
/// MAP_FAILED ((void *)-1) on failure.
static inline void *tlsdiag_mremap_maymove(void *old_address, size_t old_size, size_t new_size) {
    return tlsdiag_mremap_variadic(old_address, old_size, new_size, 1 /* MREMAP_MAYMOVE */);
}
#endif
