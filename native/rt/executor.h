// The plan executor: a compiled plan's steps (registry kernel calls, JIT-compiled kernels, copies) over one arena,
// run in ONE call, K times in a row for K batches. Built once from a description in which every slot, offset and
// size is checked; a run checks only the caller's buffers and allocates nothing. No Node dependency.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel.h"

namespace kiln {

/** The calling convention of JIT-compiled kernels (kiln_jit_kernel_fn in native/jit/jit.h). */
using JitKernelFn = void (*)(void** buffers, const int64_t* sizes, int64_t n);

/** An invalid executor description or run: nothing was touched when it is thrown. */
struct ExecutorError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/**
 * Where a slot's bytes live. StateIn is a variable's value when the run starts (read only); StateOut is the
 * variable's new value (written by assignments). Over K iterations, iteration k reads what k-1 wrote.
 */
enum class SlotKind : int32_t { Arena = 0, Input = 1, Output = 2, StateIn = 3, StateOut = 4, Constant = 5 };

/** One buffer a step reads or writes: `bytes` of `dtype` at `at` (arena byte offset, or the external's index). */
struct SlotDesc {
  SlotKind kind = SlotKind::Arena;
  int64_t at = 0;
  size_t bytes = 0;
  int32_t dtype = F32;
};

/** Size and dtype of one external buffer (an input batch, an output, a state value, a constant). */
struct ExternalDesc {
  size_t bytes = 0;
  int32_t dtype = F32;
};

enum class StepKind : int32_t { Kernel = 0, Jit = 1, Copy = 2 };

/** One step: a registry kernel with numeric args, a JIT kernel with integer args, or a copy of in[0] to out[0]. */
struct StepDesc {
  StepKind kind = StepKind::Kernel;
  int kernelId = -1;
  JitKernelFn fn = nullptr;
  /** Keeps the code behind `fn` alive as long as the executor. */
  std::shared_ptr<const void> code;
  std::vector<int32_t> in, out;
  std::vector<double> args;
  std::vector<int64_t> ints;
  /** JIT: ints[0], ints[1] are a [begin, end) range of independent iterations that threads may split. */
  bool splitRange = false;
};

/** Everything an executor is built from. */
struct ExecutorDesc {
  size_t arenaBytes = 0;
  std::vector<ExternalDesc> inputs, outputs, state, constants;
  /** Which state values the plan assigns (StateOut slots may only name these). */
  std::vector<bool> assigned;
  /**
   * Per state value (or empty: none), whether a run may pass the same buffer as its StateIn and StateOut: the plan
   * reads the old value only before, or elementwise at, the point where it writes the new one.
   */
  std::vector<bool> inPlace;
  std::vector<SlotDesc> slots;
  std::vector<StepDesc> steps;
};

/** The caller's buffers of one run. */
struct RunBuffers {
  const Buf* inputs = nullptr;
  size_t numInputs = 0;
  const Buf* outputs = nullptr;
  size_t numOutputs = 0;
  /** Variables' values at the start of the run. */
  const Buf* stateIn = nullptr;
  size_t numStateIn = 0;
  /**
   * Where assigned variables' final values go (one per state value; unassigned ones are ignored). An entry may be
   * the very buffer of its stateIn entry when the description marks that state value inPlace: it is then updated
   * in place, every iteration.
   */
  const Buf* stateOut = nullptr;
  size_t numStateOut = 0;
  const Buf* constants = nullptr;
  size_t numConstants = 0;
};

/** A checked, allocated executor of one plan. Not reentrant: one run at a time. */
class Executor {
 public:
  /** Checks the description (throws ExecutorError) and allocates the arena, 64-byte aligned and zeroed. */
  explicit Executor(ExecutorDesc desc);

  /**
   * Runs the steps `iterations` times: input i holds `iterations` stacked batches of inputs[i].bytes;
   * outputs hold the last iteration's values, or, with `collectOutputs`, every iteration's (output i then holds
   * `iterations` stacked outputs[i].bytes, iteration k's at k · bytes); state flows from one iteration to the next.
   */
  void run(const RunBuffers& buffers, int64_t iterations, bool collectOutputs = false);

  /**
   * Lets kernels with a prepare hook (KernelPrepareFn) prepare, once, the operands that are fixed for this
   * executor's life: inputs bound to a constant, or to a state value the plan never assigns. Only for callers whose
   * state and constant buffers keep their contents for as long as they pass them to runs (a compiled artifact's
   * weights); never for variables that training or assignments change, since a run checks only the buffers'
   * addresses. Checks the state and constant buffers like run() (inputs and outputs are not needed). A run uses a
   * step's prepared object only while the step's input is bound to the address it was prepared from, and takes the
   * kernel's normal path otherwise, so passing other buffers stays correct. `shared` lets several executors over
   * the same buffers share prepared objects (one packed copy per weight). Calling it again replaces what the last
   * call prepared (nothing changes if it throws). Returns the number of steps that prepared something; the prepared
   * objects add to the memory footprint (matmul: about the size of its B).
   */
  size_t prepareFrozenOperands(const RunBuffers& buffers, PreparedCache* shared = nullptr);
  /** Steps holding a prepared object (diagnostics). */
  size_t numPrepared() const;

  /** The arena's address (stable for the executor's life). */
  const void* arenaData() const { return arena_.get(); }
  size_t arenaBytes() const { return desc_.arenaBytes; }
  size_t numSteps() const { return desc_.steps.size(); }
  /**
   * Seconds spent in each step, summed over all runs, when the environment variable KILN_PROFILE_STEPS was set
   * (to anything but "0") when the executor was built; empty otherwise.
   */
  const std::vector<double>& stepSeconds() const { return stepSeconds_; }

 private:
  struct FreeDeleter {
    void operator()(void* p) const;
  };
  void checkBuffers(const RunBuffers& b, int64_t iterations, bool collectOutputs) const;
  void bindSlots(const RunBuffers& b, int64_t iteration, int64_t iterations, bool collectOutputs);
  void runStep(size_t index);
  [[noreturn]] void failStep(size_t index, const std::string& message) const;

  ExecutorDesc desc_;
  std::unique_ptr<uint8_t, FreeDeleter> arena_;
  // Per assigned state value: a second buffer, so that consecutive iterations never read and write one buffer.
  std::vector<std::unique_ptr<uint8_t, FreeDeleter>> stateScratch_;
  // Reused by every run (sized at construction): slot addresses, kernel calls, JIT pointer and size arrays.
  std::vector<void*> slotData_;
  std::vector<KernelCall> calls_;
  std::vector<std::vector<void*>> jitPointers_;
  std::vector<std::vector<int64_t>> jitSizes_;
  std::vector<double> stepSeconds_;
  // Per step: what its kernel's prepare hook made (calls_[i].prepared points into it), or null.
  std::vector<std::shared_ptr<const void>> prepared_;
};

}  // namespace kiln
