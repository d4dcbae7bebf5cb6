// The reference for tlsdiag's speed: a plain libpcap read loop over a capture file
// (pcap_open_offline, pcap_next_ex until the end), counting packets and captured bytes.
// Usage: loop [-b BYTES] FILE
//   -b BYTES: open the file with fopen + setvbuf(BYTES) + pcap_fopen_offline instead, as tlsdiag's
//   CaptureReader does (256 KiB): the same libpcap loop with fewer read(2) calls.
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long buffer = 0;
    int a = 1;
    if (argc == 4 && strcmp(argv[1], "-b") == 0) { buffer = atol(argv[2]); a = 3; }
    if (argc != a + 1) { fprintf(stderr, "usage: loop [-b BYTES] FILE\n"); return 2; }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p;
    if (buffer > 0) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) { perror(argv[a]); return 2; }
        if (setvbuf(f, malloc(buffer), _IOFBF, buffer) != 0) { perror("setvbuf"); return 2; }
        p = pcap_fopen_offline(f, err);
    } else {
        p = pcap_open_offline(argv[a], err);
    }
    if (!p) { fprintf(stderr, "loop: %s\n", err); return 2; }
    struct pcap_pkthdr *h;
    const u_char *d;
    unsigned long long packets = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        packets++;
        bytes += h->caplen;
    }
    if (rc != PCAP_ERROR_BREAK) { fprintf(stderr, "loop: %s\n", pcap_geterr(p)); return 1; }
    printf("%llu packets, %llu bytes\n", packets, bytes);
    pcap_close(p);
    return 0;
}
