// mimalloc (Debian libmimalloc-dev), linked into the tlsdiag executable only: its library replaces
// the C library's malloc and free for the whole process (libpcap, zlib and libcrypto included).
// Nothing here is called; the import in main.swift is what links it. Why: docs/performance.md,
// "batch" (glibc's malloc takes a lock on every call its per-thread cache cannot serve once a
// second thread exists; mimalloc's per-thread heaps take none).
#include <mimalloc.h>
