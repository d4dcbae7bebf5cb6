// Benchmark capture generator for tlsdiag (not part of the product).
//
// Reads real captures (Ethernet, IPv4/IPv6, TCP), splits them into TCP connections and writes a
// classic pcap (microsecond stamps, Ethernet) in which every connection is replayed many times,
// each copy a connection of its own: new client address (10.x.y.z, or fd00::/16 for IPv6 sources),
// a server address per source connection (172.16.x.y / fd01::x), new initial sequence numbers per
// direction, copies interleaved in time. Payloads larger than an Ethernet MSS (1448 bytes) are cut
// into MSS-sized segments (the sources were recorded on loopback, MTU 64 KiB).
//
// With -b N (bulk), every connection whose server sent TLS application data gets N extra
// server→client segments of 1448 bytes, each one TLS 1.2-style application_data record
// (17 03 03 05 a3 + 1443 bytes), acknowledged by the client every second segment, inserted before
// the connection's first FIN or RST; later sequence and acknowledgment numbers are shifted.
//
// With -V (vary), every ClientHello that one segment carries whole gets, per copy, a new random,
// new session id, key share and padding bytes, and its extensions in a new order (pre_shared_key
// stays last), as Chrome does since version 110: JA3 then differs per connection, JA4 does not, and
// whatever tlsdiag remembers per hello shape is tested with shapes that do not repeat byte for byte.
//
// Time is virtual: packet i is stamped start + i / pps. Up to -k connections are in progress at
// once; each packet is taken from one of them chosen at random. New copies start until the output
// reaches -s megabytes; the copies in progress are then completed.
//
// Usage: gen -o OUT.pcap -s MEGABYTES [-b BULK] [-k CONCURRENT] [-r PPS] [-S SEED] [-V] SRC.pcap[@PORT][*WEIGHT]...
//   @PORT replaces the server port of that file's connections (e.g. 44328 -> 25); *WEIGHT replays
//   that file's connections WEIGHT times per round (default 1). One server address per file.
// Deterministic: the same sources and options give the same bytes.
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MSS 1448

typedef struct {
    uint8_t dir;          // 0 client->server, 1 server->client
    uint8_t flags;
    uint8_t ttl;
    uint8_t optlen;
    uint8_t opts[40];
    uint16_t win;
    uint32_t seq;         // relative to the direction's first sequence number
    uint32_t ack;         // relative to the other direction's first sequence number
    int has_ack;          // ACK flag set and the other direction's base known
    uint32_t plen;
    const uint8_t *payload;
} Frame;

typedef struct {
    int v6;
    uint8_t cli[16], srv[16];
    uint16_t cport, sport, new_sport;
    int server_id;        // one server address per source file
    int weight;           // copies per round
    uint32_t base[2];
    int have_base[2];
    int done;             // saw FIN or RST from both sides, or RST
    int fin[2], rst;
    Frame *f;
    int n, cap;
    int server_app_data;
    int first_close;      // index of the first FIN/RST frame, -1 if none
} Flow;

static Flow *flows;
static int nflows, capflows;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    uint64_t x = rng_state;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    return rng_state = x;
}

static void die(const char *m) { fprintf(stderr, "gen: %s\n", m); exit(2); }

static void push(Flow *fl, Frame fr) {
    if (fl->n == fl->cap) {
        fl->cap = fl->cap ? fl->cap * 2 : 32;
        fl->f = realloc(fl->f, sizeof(Frame) * fl->cap);
        if (!fl->f) die("out of memory");
    }
    fl->f[fl->n++] = fr;
}

static uint8_t *dupbytes(const uint8_t *p, size_t n) {
    uint8_t *d = malloc(n ? n : 1);
    if (!d) die("out of memory");
    memcpy(d, p, n);
    return d;
}

static void load(const char *arg) {
    char path[4096];
    int port = -1;
    snprintf(path, sizeof path, "%s", arg);
    int weight = 1;
    char *star = strrchr(path, '*');
    if (star) { *star = 0; weight = atoi(star + 1); if (weight < 1) weight = 1; }
    char *at = strrchr(path, '@');
    if (at) { *at = 0; port = atoi(at + 1); }
    static int files;
    int server_id = ++files;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p) { fprintf(stderr, "gen: %s: %s\n", path, err); exit(2); }
    if (pcap_datalink(p) != DLT_EN10MB) { fprintf(stderr, "gen: %s: not Ethernet, skipped\n", path); pcap_close(p); return; }
    struct pcap_pkthdr *h;
    const u_char *d;
    int firstFlow = nflows;
    while (pcap_next_ex(p, &h, &d) == 1) {
        uint32_t len = h->caplen;
        if (len < 14) continue;
        uint16_t et = d[12] << 8 | d[13];
        const uint8_t *ip = d + 14;
        uint32_t iplen = len - 14;
        int v6;
        const uint8_t *src, *dst, *tcp;
        uint32_t tcplen;
        uint8_t ttl;
        if (et == 0x0800) {
            if (iplen < 20 || ip[9] != 6) continue;
            uint32_t ihl = (ip[0] & 15) * 4, tot = ip[2] << 8 | ip[3];
            if (tot > iplen || tot < ihl + 20) continue;
            v6 = 0; src = ip + 12; dst = ip + 16; tcp = ip + ihl; tcplen = tot - ihl; ttl = ip[8];
        } else if (et == 0x86DD) {
            if (iplen < 40 || ip[6] != 6) continue;
            uint32_t pl = ip[4] << 8 | ip[5];
            if (pl + 40 > iplen || pl < 20) continue;
            v6 = 1; src = ip + 8; dst = ip + 24; tcp = ip + 40; tcplen = pl; ttl = ip[7];
        } else continue;
        uint32_t thl = (tcp[12] >> 4) * 4;
        if (thl < 20 || thl > tcplen) continue;
        uint16_t sp = tcp[0] << 8 | tcp[1], dp = tcp[2] << 8 | tcp[3];
        uint32_t seq = (uint32_t)tcp[4] << 24 | tcp[5] << 16 | tcp[6] << 8 | tcp[7];
        uint32_t ack = (uint32_t)tcp[8] << 24 | tcp[9] << 16 | tcp[10] << 8 | tcp[11];
        uint8_t flags = tcp[13];
        int alen = v6 ? 16 : 4;
        // Find the flow (this file's only).
        Flow *fl = NULL;
        int dir = 0;
        for (int i = nflows - 1; i >= firstFlow; i--) {
            Flow *c = &flows[i];
            if (c->v6 != v6 || c->done) continue;
            if (c->cport == sp && c->sport == dp && !memcmp(c->cli, src, alen) && !memcmp(c->srv, dst, alen)) { fl = c; dir = 0; break; }
            if (c->cport == dp && c->sport == sp && !memcmp(c->cli, dst, alen) && !memcmp(c->srv, src, alen)) { fl = c; dir = 1; break; }
        }
        if (fl && (flags & 0x12) == 0x02 && (fl->rst || (fl->fin[0] && fl->fin[1]))) {
            fl->done = 1;  // a new SYN after the close: a new connection on the same ports
            fl = NULL;
        }
        if (!fl) {
            if (nflows == capflows) {
                capflows = capflows ? capflows * 2 : 64;
                flows = realloc(flows, sizeof(Flow) * capflows);
                if (!flows) die("out of memory");
            }
            fl = &flows[nflows++];
            memset(fl, 0, sizeof *fl);
            fl->v6 = v6;
            fl->first_close = -1;
            int senderIsServer = (flags & 0x12) == 0x12;  // a SYN-ACK first: its sender is the server
            if (!senderIsServer && !(flags & 0x02) && sp < dp) senderIsServer = 1;  // no SYN: lower port serves
            if (senderIsServer) {
                memcpy(fl->cli, dst, alen); memcpy(fl->srv, src, alen); fl->cport = dp; fl->sport = sp; dir = 1;
            } else {
                memcpy(fl->cli, src, alen); memcpy(fl->srv, dst, alen); fl->cport = sp; fl->sport = dp; dir = 0;
            }
            fl->new_sport = port > 0 ? (uint16_t)port : fl->sport;
            fl->server_id = server_id;
            fl->weight = weight;
        }
        if (!fl->have_base[dir]) { fl->base[dir] = seq; fl->have_base[dir] = 1; }
        const uint8_t *pay = tcp + thl;
        uint32_t plen = tcplen - thl;
        if ((uint32_t)(pay - d) + plen > len) plen = len - (uint32_t)(pay - d);  // snapped
        if (dir == 1 && plen >= 5 && pay[0] == 23 && pay[1] == 3) fl->server_app_data = 1;
        uint32_t rel = seq - fl->base[dir];
        uint32_t off = 0;
        do {
            Frame fr;
            memset(&fr, 0, sizeof fr);
            fr.dir = dir;
            fr.ttl = ttl;
            fr.win = tcp[14] << 8 | tcp[15];
            fr.optlen = thl - 20;
            memcpy(fr.opts, tcp + 20, fr.optlen);
            fr.seq = rel + off + ((flags & 0x02) && off ? 1 : 0);
            fr.has_ack = (flags & 0x10) && fl->have_base[!dir];
            fr.ack = fr.has_ack ? ack - fl->base[!dir] : 0;
            uint32_t chunk = plen - off > MSS ? MSS : plen - off;
            fr.plen = chunk;
            fr.payload = chunk ? dupbytes(pay + off, chunk) : NULL;
            // FIN/PSH only on the last piece; SYN only on the first.
            fr.flags = flags;
            if (off + chunk < plen) fr.flags &= ~(0x01 | 0x08);
            if (off > 0) fr.flags &= ~0x02;
            if ((fr.flags & 0x05) && fl->first_close < 0) fl->first_close = fl->n;
            push(fl, fr);
            off += chunk;
        } while (off < plen);
        if (flags & 0x04) fl->rst = 1;
        if (flags & 0x01) fl->fin[dir] = 1;
    }
    pcap_close(p);
}

// Inserts `n` bulk segments (server->client) before the flow's first FIN/RST.
static void add_bulk(Flow *fl, int n, const uint8_t *record) {
    if (n <= 0 || !fl->server_app_data) return;
    int at = fl->first_close >= 0 ? fl->first_close : fl->n;
    // Where the streams stand at the insertion point: the highest sequence end per direction so far.
    uint32_t end[2] = {0, 0};
    int have[2] = {0, 0};
    Frame *last[2] = {NULL, NULL};
    for (int i = 0; i < at; i++) {
        Frame *f = &fl->f[i];
        uint32_t e = f->seq + f->plen + ((f->flags & 0x02) ? 1 : 0);
        if (!have[f->dir] || (int32_t)(e - end[f->dir]) > 0) { end[f->dir] = e; have[f->dir] = 1; }
        last[f->dir] = f;
    }
    if (!have[0] || !have[1] || !last[0] || !last[1]) return;
    int extra = n + n / 2;
    Frame *nf = malloc(sizeof(Frame) * (fl->n + extra));
    if (!nf) die("out of memory");
    memcpy(nf, fl->f, sizeof(Frame) * at);
    int k = at;
    uint32_t s = end[1];
    for (int i = 0; i < n; i++) {
        Frame d;
        memset(&d, 0, sizeof d);
        d.dir = 1; d.flags = 0x18; d.ttl = last[1]->ttl; d.win = last[1]->win;
        d.optlen = last[1]->optlen; memcpy(d.opts, last[1]->opts, d.optlen);
        d.seq = s; d.ack = end[0]; d.has_ack = 1; d.plen = MSS; d.payload = record;
        nf[k++] = d;
        s += MSS;
        if (i % 2 == 1) {
            Frame a;
            memset(&a, 0, sizeof a);
            a.dir = 0; a.flags = 0x10; a.ttl = last[0]->ttl; a.win = last[0]->win;
            a.optlen = last[0]->optlen; memcpy(a.opts, last[0]->opts, a.optlen);
            a.seq = end[0]; a.ack = s; a.has_ack = 1;
            nf[k++] = a;
        }
    }
    uint32_t shift = (uint32_t)n * MSS;
    for (int i = at; i < fl->n; i++) {
        Frame f = fl->f[i];
        if (f.dir == 1) f.seq += shift;
        else if (f.has_ack) f.ack += shift;
        nf[k++] = f;
    }
    free(fl->f);
    fl->f = nf;
    fl->n = k;
    fl->cap = fl->n + extra;
}

// ---- output ----

static uint8_t *obuf;
static size_t olen, ocap = 1 << 22;
static FILE *out;
static uint64_t written;

static void flush_out(void) {
    if (olen && fwrite(obuf, 1, olen, out) != olen) die("write failed");
    written += olen;
    olen = 0;
}

static void put(const void *p, size_t n) {
    if (olen + n > ocap) flush_out();
    memcpy(obuf + olen, p, n);
    olen += n;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s) {
    while (n > 1) { s += p[0] << 8 | p[1]; p += 2; n -= 2; }
    if (n) s += p[0] << 8;
    return s;
}
static uint16_t fold(uint32_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

typedef struct {
    int t;               // template (flow)
    int i;               // next frame
    uint32_t isn[2];
    uint8_t cli[16], srv[16];
    uint16_t cport;
} Inst;

static int vary;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

// -V: a ClientHello carried whole by this segment (record header, handshake header, body) gets new
// random bytes and its extensions shuffled. Anything that does not parse is left alone.
static void vary_hello(uint8_t *p, size_t n) {
    if (n < 9 || p[0] != 0x16 || p[1] != 0x03 || p[5] != 0x01) return;
    size_t rlen = be16(p + 3), hlen = (size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8];
    if (5 + rlen > n || hlen + 4 > rlen) return;
    uint8_t *b = p + 9, *end = b + hlen;
    if (end - b < 35) return;
    for (int i = 0; i < 32; i++) b[2 + i] = (uint8_t)rnd();          // random
    uint8_t *q = b + 34;
    size_t sid = *q;
    if ((size_t)(end - q) < 1 + sid) return;
    for (size_t i = 0; i < sid; i++) q[1 + i] = (uint8_t)rnd();       // session id
    q += 1 + sid;
    if (end - q < 2) return;
    size_t cs = be16(q); if ((size_t)(end - q) < 2 + cs) return; q += 2 + cs;
    if (end - q < 1) return;
    size_t cm = *q; if ((size_t)(end - q) < 1 + cm) return; q += 1 + cm;
    if (end - q < 2) return;
    size_t el = be16(q); q += 2;
    if ((size_t)(end - q) < el) return;
    uint8_t *e = q, *eend = q + el;
    struct { uint8_t *p; size_t len; } ext[128];
    int k = 0;
    while (e < eend) {
        if (eend - e < 4 || k == 128) return;
        size_t len = 4 + be16(e + 2);
        if ((size_t)(eend - e) < len) return;
        uint16_t type = be16(e);
        if (type == 21)                                                // padding: new bytes
            for (size_t i = 4; i < len; i++) e[i] = (uint8_t)rnd();
        if (type == 51 && len >= 6) {                                  // key_share: new key bytes
            // client_shares<0..2^16-1>, each entry group (2), key_exchange<1..2^16-1>: the keys
            // change, not the groups or the lengths (randomising those made the hello malformed).
            uint8_t *s = e + 6, *send = e + len;
            while (send - s >= 4) {
                size_t kl = be16(s + 2);
                s += 4;
                if ((size_t)(send - s) < kl) break;
                for (size_t i = 0; i < kl; i++) s[i] = (uint8_t)rnd();
                s += kl;
            }
        }
        ext[k].p = e; ext[k].len = len; k++;
        e += len;
    }
    int movable = (k > 0 && be16(ext[k - 1].p) == 41) ? k - 1 : k;   // pre_shared_key stays last
    for (int i = movable - 1; i > 0; i--) {
        int j = (int)(rnd() % (uint64_t)(i + 1));
        __typeof__(ext[0]) t = ext[i]; ext[i] = ext[j]; ext[j] = t;
    }
    uint8_t tmp[65536], *w = tmp;
    for (int i = 0; i < k; i++) { memcpy(w, ext[i].p, ext[i].len); w += ext[i].len; }
    memcpy(q, tmp, el);
}

static void emit(Inst *in, uint64_t ts_ns) {
    Flow *fl = &flows[in->t];
    Frame *f = &fl->f[in->i++];
    uint8_t pkt[14 + 40 + 60 + MSS + 64];
    size_t thl = 20 + ((f->optlen + 3) & ~3u);
    size_t iph = fl->v6 ? 40 : 20;
    size_t total = 14 + iph + thl + f->plen;
    if (total > sizeof pkt) die("frame too large");
    uint8_t *e = pkt;
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    memcpy(e, macs, 12);
    if (f->dir == 1) { e[5] = 0x01; e[11] = 0x02; }
    e[12] = fl->v6 ? 0x86 : 0x08; e[13] = fl->v6 ? 0xDD : 0x00;
    uint8_t *ip = pkt + 14;
    const uint8_t *src = f->dir == 0 ? in->cli : in->srv, *dst = f->dir == 0 ? in->srv : in->cli;
    uint8_t *tcp = ip + iph;
    uint16_t sp = f->dir == 0 ? in->cport : fl->new_sport, dp = f->dir == 0 ? fl->new_sport : in->cport;
    uint32_t seq = f->seq + in->isn[f->dir], ack = f->has_ack ? f->ack + in->isn[!f->dir] : 0;
    tcp[0] = sp >> 8; tcp[1] = sp; tcp[2] = dp >> 8; tcp[3] = dp;
    tcp[4] = seq >> 24; tcp[5] = seq >> 16; tcp[6] = seq >> 8; tcp[7] = seq;
    tcp[8] = ack >> 24; tcp[9] = ack >> 16; tcp[10] = ack >> 8; tcp[11] = ack;
    tcp[12] = (uint8_t)((thl / 4) << 4); tcp[13] = f->flags;
    tcp[14] = f->win >> 8; tcp[15] = f->win; tcp[16] = tcp[17] = 0; tcp[18] = tcp[19] = 0;
    memset(tcp + 20, 1, thl - 20);  // NOP padding
    memcpy(tcp + 20, f->opts, f->optlen);
    if (f->plen) memcpy(tcp + thl, f->payload, f->plen);
    if (vary && f->dir == 0 && f->plen) vary_hello(tcp + thl, f->plen);
    size_t tlen = thl + f->plen;
    uint32_t s = 0;
    if (fl->v6) {
        ip[0] = 0x60; ip[1] = ip[2] = ip[3] = 0;
        ip[4] = tlen >> 8; ip[5] = tlen; ip[6] = 6; ip[7] = f->ttl;
        memcpy(ip + 8, src, 16); memcpy(ip + 24, dst, 16);
        s = sum16(ip + 8, 32, 0);
    } else {
        size_t tot = 20 + tlen;
        ip[0] = 0x45; ip[1] = 0; ip[2] = tot >> 8; ip[3] = tot; ip[4] = 0; ip[5] = 0; ip[6] = 0x40; ip[7] = 0;
        ip[8] = f->ttl; ip[9] = 6; ip[10] = ip[11] = 0;
        memcpy(ip + 12, src, 4); memcpy(ip + 16, dst, 4);
        uint16_t c = fold(sum16(ip, 20, 0));
        ip[10] = c >> 8; ip[11] = c;
        s = sum16(ip + 12, 8, 0);
    }
    s += 6 + (uint32_t)tlen;
    uint16_t c = fold(sum16(tcp, tlen, s));
    tcp[16] = c >> 8; tcp[17] = c;
    uint32_t rec[4] = {(uint32_t)(ts_ns / 1000000000ull), (uint32_t)(ts_ns % 1000000000ull / 1000), (uint32_t)total, (uint32_t)total};
    put(rec, 16);
    put(pkt, total);
}

static void make_inst(Inst *in, int t, uint64_t k) {
    Flow *fl = &flows[t];
    memset(in, 0, sizeof *in);
    in->t = t;
    in->isn[0] = (uint32_t)rnd();
    in->isn[1] = (uint32_t)rnd();
    // A client address per copy (so every copy is its own connection), a server address per template.
    if (fl->v6) {
        in->cli[0] = 0xfd; in->cli[1] = 0x00;
        for (int b = 0; b < 8; b++) in->cli[15 - b] = (uint8_t)(k >> (8 * b));
        in->srv[0] = 0xfd; in->srv[1] = 0x01; in->srv[14] = (uint8_t)(fl->server_id >> 8); in->srv[15] = (uint8_t)fl->server_id;
    } else {
        in->cli[0] = 10; in->cli[1] = (uint8_t)(k >> 16); in->cli[2] = (uint8_t)(k >> 8); in->cli[3] = (uint8_t)k;
        in->srv[0] = 172; in->srv[1] = 16; in->srv[2] = (uint8_t)(fl->server_id >> 8); in->srv[3] = (uint8_t)fl->server_id;
    }
    in->cport = (uint16_t)(1024 + (rnd() % 64000));
}

int main(int argc, char **argv) {
    const char *outPath = NULL;
    double megabytes = 100, pps = 40000;
    int bulk = 0, conc = 128;
    int o;
    while ((o = getopt(argc, argv, "o:s:b:k:r:S:V")) != -1) {
        switch (o) {
        case 'o': outPath = optarg; break;
        case 's': megabytes = atof(optarg); break;
        case 'b': bulk = atoi(optarg); break;
        case 'k': conc = atoi(optarg); break;
        case 'r': pps = atof(optarg); break;
        case 'S': rng_state = strtoull(optarg, NULL, 0) | 1; break;
        case 'V': vary = 1; break;
        default: die("usage: gen -o OUT -s MB [-b BULK] [-k CONCURRENT] [-r PPS] [-S SEED] [-V] SRC.pcap[@PORT][*WEIGHT]...");
        }
    }
    if (!outPath || optind >= argc) die("usage: gen -o OUT -s MB [-b BULK] [-k CONCURRENT] [-r PPS] [-S SEED] [-V] SRC.pcap[@PORT][*WEIGHT]...");
    for (int i = optind; i < argc; i++) load(argv[i]);
    if (nflows == 0) die("no TCP connections in the sources");
    uint8_t *record = malloc(MSS);
    record[0] = 23; record[1] = 3; record[2] = 3; record[3] = (MSS - 5) >> 8; record[4] = (MSS - 5) & 0xff;
    for (int i = 5; i < MSS; i++) record[i] = (uint8_t)rnd();
    uint64_t srcFrames = 0;
    for (int t = 0; t < nflows; t++) { add_bulk(&flows[t], bulk, record); srcFrames += flows[t].n; }

    out = fopen(outPath, "wb");
    if (!out) die("cannot open the output");
    obuf = malloc(ocap);
    uint32_t gh[6] = {0xa1b2c3d4, 2 | (4u << 16), 0, 0, 65535, 1};
    put(gh, 24);
    uint64_t target = (uint64_t)(megabytes * 1e6);
    Inst *act = malloc(sizeof(Inst) * conc);
    int nact = 0;
    uint64_t copies = 0, packets = 0;
    uint64_t t0 = 1767225600ull * 1000000000ull;  // 2026-01-01T00:00:00Z
    double step = 1e9 / pps;
    // The round: each source connection as many times as its file's weight.
    int nround = 0;
    for (int t = 0; t < nflows; t++) nround += flows[t].weight;
    int *round = malloc(sizeof(int) * nround);
    for (int t = 0, r = 0; t < nflows; t++) for (int w = 0; w < flows[t].weight; w++) round[r++] = t;
    int next_t = 0;
    for (;;) {
        while (nact < conc && written + olen < target) {
            make_inst(&act[nact++], round[next_t], ++copies);
            next_t = (next_t + 1) % nround;
        }
        if (nact == 0) break;
        int j = (int)(rnd() % (uint64_t)nact);
        emit(&act[j], t0 + (uint64_t)(packets * step));
        packets++;
        if (act[j].i >= flows[act[j].t].n) act[j] = act[--nact];
    }
    flush_out();
    fclose(out);
    fprintf(stderr, "gen: %s: %d source connections (%llu frames each round), %llu connections, %llu packets, %.1f MB\n",
            outPath, nflows, (unsigned long long)srcFrames, (unsigned long long)copies, (unsigned long long)packets, written / 1e6);
    return 0;
}
