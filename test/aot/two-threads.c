/* Checks the artifact header's thread-safety rule: two threads, one context each, running at the same time give
 * stable outputs (every run equals the thread's first) that the test compares with model.predict. Built per
 * artifact like examples/c/predict.c (KILN_NAME, KILN_HEADER). Usage: two-threads <weights.bin> <row elements in>
 * <row elements out>; prints each thread's outputs, then "ok". */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include KILN_HEADER

#define KILN_CAT_(a, b) a##_##b
#define KILN_CAT(a, b) KILN_CAT_(a, b)
#define API(f) KILN_CAT(KILN_NAME, f)

enum { kBatch = 3, kRuns = 300, kMax = 4096 };

typedef struct {
  const char* weights;
  int seed, in, out;
  float x[kMax], y[kMax];
  int failed;
} job_t;

static void fill(float* x, int n, int seed) {
  for (int i = 0; i < n; ++i) x[i] = (float)((i * 7 + seed * 13) % 17) / 8.0f - 1.0f;
}

static void* work(void* arg) {
  job_t* j = arg;
  char err[256];
  struct API(ctx)* ctx = API(create)(j->weights, err, sizeof err);
  if (!ctx) {
    j->failed = 1;
    return NULL;
  }
  float y[kMax];
  fill(j->x, kBatch * j->in, j->seed);
  const float* in[1] = {j->x};
  float* out[1] = {j->y};
  if (API(run)(ctx, in, out, kBatch) != 0) j->failed = 1;
  out[0] = y;
  for (int r = 0; r < kRuns && !j->failed; ++r) {
    if (API(run)(ctx, in, out, kBatch) != 0 || memcmp(y, j->y, sizeof(float) * kBatch * j->out) != 0) j->failed = 1;
  }
  API(destroy)(ctx);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  static job_t jobs[2];
  for (int t = 0; t < 2; ++t) {
    jobs[t].weights = argv[1];
    jobs[t].seed = t + 1;
    jobs[t].in = atoi(argv[2]);
    jobs[t].out = atoi(argv[3]);
    if (kBatch * jobs[t].in > kMax || kBatch * jobs[t].out > kMax) return 2;
  }
  pthread_t threads[2];
  for (int t = 0; t < 2; ++t) pthread_create(&threads[t], NULL, work, &jobs[t]);
  for (int t = 0; t < 2; ++t) pthread_join(threads[t], NULL);
  for (int t = 0; t < 2; ++t)
    if (jobs[t].failed) {
      printf("thread %d: mismatch or error\n", t);
      return 1;
    }
  for (int k = 0; k < kBatch * jobs[0].out; ++k) printf("%.9g ", jobs[0].y[k]);
  printf("\n");
  for (int k = 0; k < kBatch * jobs[1].out; ++k) printf("%.9g ", jobs[1].y[k]);
  printf("\nok\n");
  return 0;
}
