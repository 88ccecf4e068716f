/* Runs a compiled Kiln artifact from C: loads it, reads a batch from a binary file, prints the outputs.
 *
 * The artifact's header names every function after the artifact (<name>_create, <name>_run, ...), so this file is
 * built per artifact with two macros. For an artifact "mlp" in DIR:
 *
 *   cc -O2 -std=c11 -DKILN_NAME=mlp -DKILN_HEADER='"mlp.h"' -I DIR examples/c/predict.c \
 *      -L DIR -lmlp -Wl,-rpath,DIR -o predict
 *   ./predict DIR/weights.bin input.bin 5
 *
 * input.bin holds, for each input in order, batch x row float32 values (little-endian, row-major, batch first).
 * The program prints one line per output row: "<output index> <row>: v0 v1 ...", each value with %.9g.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include KILN_HEADER

#define KILN_CAT_(a, b) a##_##b
#define KILN_CAT(a, b) KILN_CAT_(a, b)
#define API(f) KILN_CAT(KILN_NAME, f)

typedef struct API(ctx) ctx_t;

static int64_t row_elements(int rank, const int64_t* shape) {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) n *= shape[d];
  return n;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <weights.bin> <input.bin> <batch>\n", argv[0]);
    return 2;
  }
  const int64_t batch = strtoll(argv[3], NULL, 10);
  char err[512];
  ctx_t* ctx = API(create)(argv[1], err, sizeof err);
  if (!ctx) {
    fprintf(stderr, "create failed: %s\n", err);
    return 1;
  }
  const int ni = API(num_inputs)(), no = API(num_outputs)();
  float** inputs = calloc((size_t)ni, sizeof *inputs);
  float** outputs = calloc((size_t)no, sizeof *outputs);
  int64_t* out_row = calloc((size_t)no, sizeof *out_row);
  FILE* f = fopen(argv[2], "rb");
  if (!inputs || !outputs || !out_row || !f) {
    fprintf(stderr, "cannot open %s or out of memory\n", argv[2]);
    return 1;
  }
  for (int i = 0; i < ni; ++i) {
    const int64_t n = batch * row_elements(API(input_rank)(i), API(input_shape)(i));
    inputs[i] = malloc((size_t)n * sizeof(float));
    if (!inputs[i] || fread(inputs[i], sizeof(float), (size_t)n, f) != (size_t)n) {
      fprintf(stderr, "%s: too short for input %d \"%s\" (%lld values)\n", argv[2], i, API(input_name)(i), (long long)n);
      return 1;
    }
  }
  fclose(f);
  for (int j = 0; j < no; ++j) {
    out_row[j] = row_elements(API(output_rank)(j), API(output_shape)(j));
    outputs[j] = malloc((size_t)(batch * out_row[j]) * sizeof(float));
    if (!outputs[j]) return 1;
  }
  if (API(run)(ctx, (const float* const*)inputs, outputs, batch) != 0) {
    fprintf(stderr, "run failed: %s\n", API(last_error)(ctx));
    return 1;
  }
  for (int j = 0; j < no; ++j)
    for (int64_t r = 0; r < batch; ++r) {
      printf("%d %lld:", j, (long long)r);
      for (int64_t k = 0; k < out_row[j]; ++k) printf(" %.9g", outputs[j][r * out_row[j] + k]);
      printf("\n");
    }
  for (int i = 0; i < ni; ++i) free(inputs[i]);
  for (int j = 0; j < no; ++j) free(outputs[j]);
  free(inputs);
  free(outputs);
  free(out_row);
  API(destroy)(ctx);
  return 0;
}
