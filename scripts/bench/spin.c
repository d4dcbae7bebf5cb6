// The machine's own scaling: the same work alone and as two processes at once (scaling-ceiling.sh).
// Random reads and writes over a working set of KIB KiB, ITERATIONS times; prints a checksum so the
// loop is not optimised away.
//
//     spin KIB ITERATIONS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: spin KIB ITERATIONS\n"); return 64; }
    size_t kib = strtoul(argv[1], 0, 10), iterations = strtoul(argv[2], 0, 10);
    size_t n = kib * 1024 / 8;
    if (n == 0) { fprintf(stderr, "spin: KIB must be at least 1\n"); return 64; }
    uint64_t *a = malloc(n * sizeof *a);
    if (!a) { perror("spin"); return 1; }
    for (size_t i = 0; i < n; i++) a[i] = i * 0x9E3779B97F4A7C15ull;
    uint64_t x = 88172645463325252ull, sum = 0;
    for (size_t i = 0; i < iterations; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;   // xorshift64
        size_t j = x % n;
        sum += a[j];
        a[j] = sum ^ x;
    }
    printf("%llu\n", (unsigned long long)sum);
    free(a);
    return 0;
}
