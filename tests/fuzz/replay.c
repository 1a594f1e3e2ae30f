/*
 * Replay driver for the fuzz targets, used by `make check` when the
 * targets are not built with libFuzzer. It feeds the target every seed in
 * tests/fuzz/corpus/<name>/, then a fixed number of seeded mutations of
 * each (bit flips, byte overwrites, truncation, extension, splices), so the
 * parsers see malformed input on every run, not only under --enable-fuzz.
 * A target signals a broken invariant by aborting; under the sanitizer
 * build any out-of-bounds read is reported.
 *
 * Environment: SF_FUZZ_MUTATIONS (per seed, default 4000),
 * SF_TEST_SEED (PRNG seed, default 1). Arguments, if given, are extra
 * files or directories to replay (e.g. a crash file from a fuzz run).
 */
#include "config.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT 4096

struct input {
  uint8_t *data;
  size_t len;
};

struct corpus {
  struct input *items;
  size_t count;
  size_t cap;
};

static uint64_t rng_state;

static uint64_t rng_next(void) {
  /* splitmix64: the driver, not the library, so a static is harmless. */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static size_t rng_below(size_t bound) {
  return bound ? (size_t)(rng_next() % bound) : 0;
}

static int read_file(const char *path, struct input *out) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  out->data = malloc(REPLAY_MAX_INPUT);
  if (!out->data) {
    fclose(f);
    return -1;
  }
  out->len = fread(out->data, 1, REPLAY_MAX_INPUT, f);
  fclose(f);
  return 0;
}

static void corpus_add_file(struct corpus *c, const char *path) {
  if (c->count == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 16;
    c->items = realloc(c->items, c->cap * sizeof *c->items);
    if (!c->items) {
      perror("realloc");
      exit(2);
    }
  }
  if (read_file(path, &c->items[c->count]) == 0)
    c->count++;
  else
    fprintf(stderr, "replay: cannot read %s\n", path);
}

static void corpus_add_path(struct corpus *c, const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "replay: no such file or directory: %s\n", path);
    exit(2);
  }
  if (!S_ISDIR(st.st_mode)) {
    corpus_add_file(c, path);
    return;
  }
  DIR *d = opendir(path);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", path, e->d_name);
    corpus_add_file(c, full);
  }
  closedir(d);
}

/* One random edit of buf (len bytes, capacity REPLAY_MAX_INPUT); returns new len. */
static size_t mutate(uint8_t *buf, size_t len, const struct corpus *c) {
  switch (rng_below(6)) {
  case 0: /* flip a bit */
    if (len)
      buf[rng_below(len)] ^= (uint8_t)(1u << rng_below(8));
    return len;
  case 1: /* overwrite a byte with an interesting value */
    if (len) {
      static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x0f,
                                     0x10, 0x40, 0x45, 0x7f, 0x80, 0xff};
      buf[rng_below(len)] = vals[rng_below(sizeof vals)];
    }
    return len;
  case 2: /* truncate */
    return rng_below(len + 1);
  case 3: { /* extend with random bytes */
    size_t add = rng_below(64);
    if (len + add > REPLAY_MAX_INPUT)
      add = REPLAY_MAX_INPUT - len;
    for (size_t i = 0; i < add; i++)
      buf[len + i] = (uint8_t)rng_next();
    return len + add;
  }
  case 4: { /* splice in the tail of another seed */
    const struct input *o = &c->items[rng_below(c->count)];
    size_t at = rng_below(len + 1);
    size_t from = rng_below(o->len + 1);
    size_t n = o->len - from;
    if (at + n > REPLAY_MAX_INPUT)
      n = REPLAY_MAX_INPUT - at;
    memcpy(buf + at, o->data + from, n);
    return at + n;
  }
  default: /* randomize a 16-bit field */
    if (len >= 2) {
      size_t at = rng_below(len - 1);
      uint64_t v = rng_next();
      buf[at] = (uint8_t)v;
      buf[at + 1] = (uint8_t)(v >> 8);
    }
    return len;
  }
}

int main(int argc, char **argv) {
  struct corpus c = {0};
  corpus_add_path(&c, SF_FUZZ_CORPUS "/" SF_FUZZ_NAME);
  for (int i = 1; i < argc; i++)
    corpus_add_path(&c, argv[i]);
  if (c.count == 0) {
    fprintf(stderr, "replay %s: the seed corpus is empty\n", SF_FUZZ_NAME);
    return 1;
  }
  const char *env = getenv("SF_FUZZ_MUTATIONS");
  long mutations = env ? strtol(env, NULL, 10) : 4000;
  env = getenv("SF_TEST_SEED");
  rng_state = env ? strtoull(env, NULL, 0) : 1;
  fprintf(stderr, "replay %s: %zu seeds, %ld mutations each, seed %" PRIu64 "\n",
          SF_FUZZ_NAME, c.count, mutations, rng_state);

  uint8_t *buf = malloc(REPLAY_MAX_INPUT);
  if (!buf)
    return 2;
  unsigned long runs = 0;
  for (size_t i = 0; i < c.count; i++) {
    /* Each input gets an exact-size copy so ASan sees reads past its end. */
    uint8_t *exact = malloc(c.items[i].len ? c.items[i].len : 1);
    memcpy(exact, c.items[i].data, c.items[i].len);
    LLVMFuzzerTestOneInput(exact, c.items[i].len);
    free(exact);
    runs++;
    for (long m = 0; m < mutations; m++) {
      size_t len = c.items[i].len;
      memcpy(buf, c.items[i].data, len);
      size_t edits = 1 + rng_below(4);
      for (size_t e = 0; e < edits; e++)
        len = mutate(buf, len, &c);
      exact = malloc(len ? len : 1);
      memcpy(exact, buf, len);
      LLVMFuzzerTestOneInput(exact, len);
      free(exact);
      runs++;
    }
  }
  printf("replay %s: %lu inputs, no crash\n", SF_FUZZ_NAME, runs);
  for (size_t i = 0; i < c.count; i++)
    free(c.items[i].data);
  free(c.items);
  free(buf);
  return 0;
}
