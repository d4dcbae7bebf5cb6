// The reference for tlsdiag's speed: a plain libpcap read loop over a capture file
// (pcap_open_offline, pcap_next_ex until the end), counting packets and captured bytes.
// Usage: loop FILE
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: loop FILE\n"); return 2; }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
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
