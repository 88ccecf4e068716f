/* The tables an artifact's generated wrapper (compiler/aot/c-wrapper.ts) bakes in, and the runtime that builds
 * plan executors from them (artifact-runtime.cc). Plain C, so that the wrapper is compiled with the system `cc`.
 * Every count, index, offset and size in the tables is checked again by the runtime at create time. */
#ifndef KILN_AOT_H
#define KILN_AOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The calling convention of compiled kernels (kiln_jit_kernel_fn in native/jit/jit.h). */
typedef void (*kiln_aot_kernel_fn)(void** buffers, const int64_t* sizes, int64_t n);

/** Bytes and dtype code of one external buffer of a plan (an input, an output, a weight). */
typedef struct kiln_aot_external {
  int64_t bytes;
  int32_t dtype;
} kiln_aot_external;

/** A slot of a plan: SlotKind, arena offset or external index, bytes, dtype code (native/rt/executor.h). */
typedef struct kiln_aot_slot {
  int32_t kind;
  int64_t at;
  int64_t bytes;
  int32_t dtype;
} kiln_aot_slot;

/** One step: a registry kernel (by name), a compiled kernel (by address) or a copy (StepKind). */
typedef struct kiln_aot_step {
  int32_t kind;
  const char* kernel;
  kiln_aot_kernel_fn fn;
  int32_t num_in;
  const int32_t* in;
  int32_t num_out;
  const int32_t* out;
  int32_t num_args;
  const double* args;
  int32_t num_ints;
  const int64_t* ints;
  int32_t split_range;
} kiln_aot_step;

/** The plan of one batch size. State and constants are weight entries (indices into the weights file). */
typedef struct kiln_aot_plan {
  int64_t batch;
  int64_t arena_bytes;
  int32_t num_inputs;
  const kiln_aot_external* inputs;
  int32_t num_outputs;
  const kiln_aot_external* outputs;
  int32_t num_state;
  const int32_t* state_weights;
  int32_t num_constants;
  const int32_t* constant_weights;
  int32_t num_slots;
  const kiln_aot_slot* slots;
  int32_t num_steps;
  const kiln_aot_step* steps;
} kiln_aot_plan;

/** A model input or output: name, per-row shape (the batch dim left out), dtype code and name. */
typedef struct kiln_aot_tensor {
  const char* name;
  int32_t rank;
  const int64_t* shape;
  int32_t dtype;
  const char* dtype_name;
} kiln_aot_tensor;

/** Everything an artifact knows about its model. Plans are sorted by batch, largest first; one has batch 1
 *  unless fixed_batch. */
typedef struct kiln_aot_model {
  const char* name;
  int64_t max_batch;
  int32_t fixed_batch;
  int32_t num_inputs;
  const kiln_aot_tensor* inputs;
  int32_t num_outputs;
  const kiln_aot_tensor* outputs;
  int32_t num_weights;
  const kiln_aot_external* weights;
  /** 32-bit FNV-1a of the weights file's data section (checked at create, after the header; the manifest's
   *  SHA-256 is the strong check, done by loaders that read the manifest). */
  uint32_t weights_fnv1a;
  int32_t num_plans;
  const kiln_aot_plan* plans;
} kiln_aot_model;

/** The weights file: "KILNWTS1", u32 version, u32 count, u64 file bytes, then per entry u64 offset, u64 bytes,
 *  u32 dtype, u32 zero; data at 64-byte aligned offsets after the table (runtime/artifact/weights-file.ts). */
#define KILN_AOT_WEIGHTS_MAGIC "KILNWTS1"
#define KILN_AOT_WEIGHTS_VERSION 1u

typedef struct kiln_aot_context kiln_aot_context;

/** Reads and checks the weights file, builds one executor per plan and lets its kernels prepare the weights once
 *  (matmul packs its B; environment KILN_AOT_PREPARE=0 skips it); null with `err` filled on failure. */
kiln_aot_context* kiln_aot_create(const kiln_aot_model* model, const char* weights_path, char* err, size_t errlen);
/** Runs `batch` rows; 0, or -1 with the message in kiln_aot_last_error. Allocates nothing. */
int kiln_aot_run(kiln_aot_context* ctx, const float* const* inputs, float* const* outputs, int64_t batch);
/** The last run's error message ("" when none). */
const char* kiln_aot_last_error(const kiln_aot_context* ctx);
/** Plan steps that run on weights prepared at create (diagnostics; -1 for a null context). */
int64_t kiln_aot_num_prepared(const kiln_aot_context* ctx);
/** Sets the OpenMP thread count of the artifact's kernels (process wide, as omp_set_num_threads). */
void kiln_aot_set_num_threads(int n);
void kiln_aot_destroy(kiln_aot_context* ctx);

#ifdef __cplusplus
}
#endif

#endif /* KILN_AOT_H */
