/*
 * Batch GCD of RSA moduli with GMP: for every modulus n_i, gcd(n_i, prod_{j != i} n_j).
 *
 * Bernstein's product and remainder trees as in Heninger et al., "Mining Your Ps and Qs",
 * USENIX Security 2012: the product tree of the moduli, then top-down the remainders of the
 * product P modulo each node squared, and at leaf i gcd((P mod n_i^2) / n_i, n_i). Each level's
 * nodes are independent, so a level runs on every core (OpenMP). P itself is never formed: for
 * P = L * R (the two halves), P mod L^2 = L * (R mod L), which costs two half-size operations
 * instead of the largest multiplication and two divisions of twice its size.
 *
 * Custos' own program (the JavaScript trees in src-main/analysis/ are the fallback and the
 * reference); built by scripts/build-native.mjs. Only public moduli pass through it.
 *
 * Protocol (all integers unsigned 32-bit big-endian):
 *   stdin:  count, then count times { byte length, big-endian magnitude bytes }.
 *   stdout: for each i whose gcd is not 1, in ascending i: { i, byte length, gcd bytes };
 *           then 0xFFFFFFFF.
 *   stderr: "step D T" after each of T steps, then "peak-rss-kb K" and "cpu-ms C" (all threads).
 *   exit:   0 done, 2 malformed input, 3 out of memory is left to the OS (killed).
 */
#include <gmp.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#define MAX_MODULUS_BYTES 65536u

static int read_u32(uint32_t *v) {
  unsigned char b[4];
  if (fread(b, 1, 4, stdin) != 4) return 0;
  *v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
  return 1;
}

static void write_u32(uint32_t v) {
  unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
  fwrite(b, 1, 4, stdout);
}

static void step(int done, int total) {
  fprintf(stderr, "step %d %d\n", done, total);
  fflush(stderr);
}

static mpz_t *new_level(size_t count) {
  mpz_t *level = malloc(sizeof(mpz_t) * (count ? count : 1));
  if (!level) exit(3);
  return level;
}

int main(void) {
  uint32_t count;
  if (!read_u32(&count) || count == 0 || count == 0xFFFFFFFFu) return 2;
  mpz_t *n = new_level(count);
  unsigned char *buf = malloc(MAX_MODULUS_BYTES);
  if (!buf) return 3;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t len;
    if (!read_u32(&len) || len == 0 || len > MAX_MODULUS_BYTES || fread(buf, 1, len, stdin) != len) return 2;
    mpz_init(n[i]);
    mpz_import(n[i], len, 1, 1, 1, 0, buf);
    if (mpz_cmp_ui(n[i], 1) <= 0) return 2;
  }
  free(buf);

  /* Product tree up to the level of two nodes (or the leaves themselves when count <= 2). */
  mpz_t *tree[64];
  size_t sizes[64];
  int levels = 1;
  tree[0] = n;
  sizes[0] = count;
  while (sizes[levels - 1] > 2) {
    size_t below = sizes[levels - 1], k = (below + 1) / 2;
    mpz_t *up = new_level(k), *down = tree[levels - 1];
#pragma omp parallel for schedule(dynamic)
    for (size_t i = 0; i < k; i++) {
      mpz_init(up[i]);
      if (2 * i + 1 < below) mpz_mul(up[i], down[2 * i], down[2 * i + 1]);
      else mpz_set(up[i], down[2 * i]);
    }
    tree[levels] = up;
    sizes[levels] = k;
    levels++;
  }
  /* Steps: the product levels above the leaves, the top, the remainder levels, the leaves. */
  const int total = (levels - 1) + 1 + (levels - 1) + 1;
  int done = levels - 1;
  step(done, total);

  if (count == 1) {
    write_u32(0xFFFFFFFFu);
    step(total, total);
    return 0;
  }

  /* The top: rem_i = P mod top_i^2 = top_i * (top_{1-i} mod top_i). */
  mpz_t *top = tree[levels - 1];
  mpz_t *rem = new_level(2);
#pragma omp parallel for
  for (int i = 0; i < 2; i++) {
    mpz_init(rem[i]);
    mpz_mod(rem[i], top[1 - i], top[i]);
    mpz_mul(rem[i], rem[i], top[i]);
  }
  step(++done, total);

  /* Down the tree: a node's remainder is its parent's modulo the node squared. */
  for (int l = levels - 2; l >= 0; l--) {
    size_t m = sizes[l];
    mpz_t *next = new_level(m), *nodes = tree[l];
#pragma omp parallel for schedule(dynamic)
    for (size_t i = 0; i < m; i++) {
      mpz_t square;
      mpz_init(square);
      mpz_mul(square, nodes[i], nodes[i]);
      mpz_init(next[i]);
      mpz_mod(next[i], rem[i / 2], square);
      mpz_clear(square);
    }
    for (size_t i = 0; i < sizes[l + 1]; i++) {
      mpz_clear(rem[i]);
      mpz_clear(tree[l + 1][i]);
    }
    free(rem);
    free(tree[l + 1]);
    rem = next;
    step(++done, total);
  }

  /* Leaves: (P mod n^2) / n is exact because n divides P. */
  mpz_t *g = new_level(count);
#pragma omp parallel for schedule(dynamic, 256)
  for (size_t i = 0; i < count; i++) {
    mpz_init(g[i]);
    mpz_divexact(rem[i], rem[i], n[i]);
    mpz_gcd(g[i], rem[i], n[i]);
  }
  for (uint32_t i = 0; i < count; i++) {
    if (mpz_cmp_ui(g[i], 1) == 0) continue;
    size_t len = 0;
    unsigned char *bytes = mpz_export(NULL, &len, 1, 1, 1, 0, g[i]);
    write_u32(i);
    write_u32((uint32_t)len);
    fwrite(bytes, 1, len, stdout);
    free(bytes);
  }
  write_u32(0xFFFFFFFFu);
  fflush(stdout);
  step(total, total);
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    long cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000L + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000L;
    fprintf(stderr, "peak-rss-kb %ld\ncpu-ms %ld\n", usage.ru_maxrss, cpu_ms);
  }
  return 0;
}
