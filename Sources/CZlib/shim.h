#include <zlib.h>
#include <stdio.h>
#include <sys/types.h>

// glibc's fopencookie(3) is declared only under _GNU_SOURCE, which the Swift Glibc module is not
// built with. PcapIO needs it to hand libpcap a FILE* that reads through zlib (gzread), so it is
// declared here with an identical layout and bound to the real symbol by an asm label.
typedef struct {
    ssize_t (*read)(void *cookie, char *buf, size_t size);
    ssize_t (*write)(void *cookie, const char *buf, size_t size);
    int (*seek)(void *cookie, off_t *offset, int whence);
    int (*close)(void *cookie);
} tlsdiag_cookie_io_functions;

extern FILE *tlsdiag_fopencookie(void *cookie, const char *mode, tlsdiag_cookie_io_functions io)
    __asm__("fopencookie");
