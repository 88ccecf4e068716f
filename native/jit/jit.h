// kiln_jit: a small C API over Debian's libLLVM-14 that optimizes LLVM IR for the host CPU and either JITs it
// in process (ORC LLJIT) or writes an object file (AOT), and that links objects it emitted earlier into a JIT (the
// compiled-code cache). No Node dependency, no subprocess.
//
// The kernels that Kiln compiles all share one calling convention (see kiln_jit_kernel_fn): the lowering emits
// them, runtime/executable and the addon call them.
#ifndef KILN_JIT_H
#define KILN_JIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The signature of every compiled Kiln kernel:
 *   buffers[i]  data pointer of buffer i, for i < n;
 *   sizes[i]    element count of buffer i, for i < n (filled by the caller from the buffers themselves, so a kernel
 *               that stays below sizes[i] stays inside buffer i);
 *   sizes[n+j]  the caller's integer argument j (kernel specific, e.g. a [begin, end) range of work);
 *   n           the number of buffers.
 */
typedef void (*kiln_jit_kernel_fn)(void** buffers, const int64_t* sizes, int64_t n);

/** A compiled module: its optimized IR and its JITed code. */
typedef struct kiln_jit_module kiln_jit_module;

/** What the host is and what code is generated for it. Strings are owned by the library and never freed. */
typedef struct kiln_jit_host_info_t {
  const char* triple;           /* e.g. x86_64-pc-linux-gnu */
  const char* host_cpu;         /* LLVM's name for the host CPU (LLVMGetHostCPUName) */
  const char* host_features;    /* LLVMGetHostCPUFeatures: +avx2,-avx512f,... */
  const char* target_cpu;       /* the CPU code is tuned for: x86-64-v4 / x86-64-v3 (LLVM 14 lacks newer names) */
  const char* target_features;  /* host features plus tuning flags */
} kiln_jit_host_info_t;

/** The host description, computed once. Never null. */
const kiln_jit_host_info_t* kiln_jit_host_info(void);

/**
 * Parses `code` (LLVM IR text, or bitcode when is_bitcode), verifies it, optimizes it at opt_level (0..3) for the
 * host and JITs it. Returns null on failure with *err set to a message (free it with kiln_jit_free_error).
 */
kiln_jit_module* kiln_jit_compile(const char* code, size_t len, int is_bitcode, int opt_level, char** err);

/** The address of `symbol` in the module (compiled on first lookup), or null with *err set. */
void* kiln_jit_lookup(kiln_jit_module* module, const char* symbol, char** err);

/** The module's IR after optimization (owned by the module); empty for a module loaded from an object. */
const char* kiln_jit_optimized_ir(const kiln_jit_module* module);

/** Releases a module and its code. Null is ignored. */
void kiln_jit_free(kiln_jit_module* module);

/**
 * Like kiln_jit_compile, but writes a relocatable (PIC) ELF object file to `path` instead of JITing.
 * Returns 0 on success, -1 with *err set on failure.
 */
int kiln_jit_emit_object(const char* code, size_t len, int is_bitcode, int opt_level, const char* path,
                         char** err);

/** An object file in memory; its data is owned by the library (free it with kiln_jit_free_object). */
typedef struct kiln_jit_object_t {
  char* data;
  size_t size;
} kiln_jit_object_t;

/**
 * Parses, verifies and optimizes `code` exactly as kiln_jit_compile does, then emits the optimized module as an ELF
 * object for the JIT (the code kiln_jit_compile would generate) into *out. The object can be saved and loaded
 * later, in this or another process on the same host, with kiln_jit_load_object. Returns 0, or -1 with *err set.
 */
int kiln_jit_compile_object(const char* code, size_t len, int is_bitcode, int opt_level, kiln_jit_object_t* out,
                            char** err);

/** Frees the data of an object from kiln_jit_compile_object (and zeroes it). Null is ignored. */
void kiln_jit_free_object(kiln_jit_object_t* object);

/**
 * Links an object file made by kiln_jit_compile_object into a fresh JIT (no optimization or code generation).
 * The bytes are copied. Checks that they are a 64-bit little-endian relocatable ELF object for this host's
 * architecture; malformed objects fail here or at kiln_jit_lookup, with *err set. The module has no optimized IR.
 */
kiln_jit_module* kiln_jit_load_object(const char* data, size_t len, char** err);

/** Frees an error message returned through an `err` argument. Null is ignored. */
void kiln_jit_free_error(char* err);

#ifdef __cplusplus
}
#endif

#endif  // KILN_JIT_H
