#include "executor.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace kiln {

namespace {

constexpr size_t kArenaAlign = 64;

const char* kindName(SlotKind k) {
  switch (k) {
    case SlotKind::Arena: return "arena";
    case SlotKind::Input: return "input";
    case SlotKind::Output: return "output";
    case SlotKind::StateIn: return "state";
    case SlotKind::StateOut: return "state update";
    case SlotKind::Constant: return "constant";
  }
  return "?";
}

[[noreturn]] void fail(const std::string& message) { throw ExecutorError("executor: " + message); }

bool validDtype(int32_t d) { return d >= F32 && d <= BOOL; }

void checkExternals(const std::vector<ExternalDesc>& list, const char* what) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (!validDtype(list[i].dtype))
      fail(std::string(what) + " " + std::to_string(i) + ": unknown dtype code " + std::to_string(list[i].dtype));
    if (list[i].bytes % dtypeSize(list[i].dtype) != 0)
      fail(std::string(what) + " " + std::to_string(i) + ": " + std::to_string(list[i].bytes) +
           " bytes is not a whole number of elements");
  }
}

uint8_t* allocAligned(size_t bytes) {
  size_t size = (bytes + kArenaAlign - 1) / kArenaAlign * kArenaAlign;
  if (size == 0) size = kArenaAlign;
  void* p = std::aligned_alloc(kArenaAlign, size);
  if (!p) fail("out of memory for an arena of " + std::to_string(bytes) + " bytes");
  std::memset(p, 0, size);
  return static_cast<uint8_t*>(p);
}

bool overlaps(const Buf& a, const Buf& b) {
  if (a.bytes == 0 || b.bytes == 0) return false;
  auto pa = reinterpret_cast<uintptr_t>(a.data), pb = reinterpret_cast<uintptr_t>(b.data);
  return pa < pb + b.bytes && pb < pa + a.bytes;
}

// Checks a run's list of buffers against the description: count, then size (`times` stacked) and dtype of each.
void checkList(const Buf* bufs, size_t n, const std::vector<ExternalDesc>& want, const char* what, uint64_t times,
               const std::vector<bool>* only) {
  if (n != want.size())
    fail("expected " + std::to_string(want.size()) + " " + what + " buffers, got " + std::to_string(n));
  for (size_t i = 0; i < n; ++i) {
    if (only && !(*only)[i]) continue;
    const Buf& buf = bufs[i];
    if (want[i].bytes != 0 && times > SIZE_MAX / want[i].bytes) fail(std::string(what) + " size overflows");
    size_t bytes = want[i].bytes * times;
    if (buf.dtype != want[i].dtype || buf.bytes != bytes)
      fail(std::string(what) + " " + std::to_string(i) + ": expected " + std::to_string(bytes) +
           " bytes of dtype code " + std::to_string(want[i].dtype) + ", got " + std::to_string(buf.bytes) +
           " bytes of dtype code " + std::to_string(buf.dtype));
    if (buf.bytes > 0 && !buf.data) fail(std::string(what) + " " + std::to_string(i) + " has no data");
  }
}

}  // namespace

void Executor::FreeDeleter::operator()(void* p) const { std::free(p); }

Executor::Executor(ExecutorDesc desc) : desc_(std::move(desc)) {
  checkExternals(desc_.inputs, "input");
  checkExternals(desc_.outputs, "output");
  checkExternals(desc_.state, "state");
  checkExternals(desc_.constants, "constant");
  if (desc_.assigned.size() != desc_.state.size())
    fail("assigned flags: expected " + std::to_string(desc_.state.size()) + ", got " +
         std::to_string(desc_.assigned.size()));
  if (!desc_.inPlace.empty() && desc_.inPlace.size() != desc_.state.size())
    fail("in-place flags: expected " + std::to_string(desc_.state.size()) + ", got " +
         std::to_string(desc_.inPlace.size()));
  for (size_t j = 0; j < desc_.inPlace.size(); ++j)
    if (desc_.inPlace[j] && !desc_.assigned[j])
      fail("state " + std::to_string(j) + " is marked in place but is not assigned");
  desc_.inPlace.resize(desc_.state.size(), false);

  for (size_t s = 0; s < desc_.slots.size(); ++s) {
    const SlotDesc& slot = desc_.slots[s];
    std::string where = "slot " + std::to_string(s) + " (" + kindName(slot.kind) + " " + std::to_string(slot.at) + ")";
    if (!validDtype(slot.dtype)) fail(where + ": unknown dtype code " + std::to_string(slot.dtype));
    const size_t elem = dtypeSize(slot.dtype);
    if (slot.bytes % elem != 0) fail(where + ": " + std::to_string(slot.bytes) + " bytes is not a whole number of elements");
    const std::vector<ExternalDesc>* list = nullptr;
    switch (slot.kind) {
      case SlotKind::Arena:
        if (slot.at < 0 || static_cast<uint64_t>(slot.at) % elem != 0 || static_cast<uint64_t>(slot.at) > desc_.arenaBytes ||
            slot.bytes > desc_.arenaBytes - static_cast<size_t>(slot.at))
          fail(where + ": " + std::to_string(slot.bytes) + " bytes at offset " + std::to_string(slot.at) +
               " do not fit an arena of " + std::to_string(desc_.arenaBytes) + " bytes");
        continue;
      case SlotKind::Input: list = &desc_.inputs; break;
      case SlotKind::Output: list = &desc_.outputs; break;
      case SlotKind::StateIn:
      case SlotKind::StateOut: list = &desc_.state; break;
      case SlotKind::Constant: list = &desc_.constants; break;
      default: fail(where + ": unknown slot kind " + std::to_string(static_cast<int32_t>(slot.kind)));
    }
    if (slot.at < 0 || static_cast<uint64_t>(slot.at) >= list->size())
      fail(where + ": index out of range (" + std::to_string(list->size()) + " " + kindName(slot.kind) + "s)");
    const ExternalDesc& ext = (*list)[static_cast<size_t>(slot.at)];
    if (ext.bytes != slot.bytes || ext.dtype != slot.dtype)
      fail(where + ": expected " + std::to_string(ext.bytes) + " bytes of dtype code " + std::to_string(ext.dtype) +
           ", the slot says " + std::to_string(slot.bytes) + " bytes of dtype code " + std::to_string(slot.dtype));
    if (slot.kind == SlotKind::StateOut && !desc_.assigned[static_cast<size_t>(slot.at)])
      fail(where + ": state " + std::to_string(slot.at) + " is not marked as assigned");
  }

  calls_.resize(desc_.steps.size());
  jitPointers_.resize(desc_.steps.size());
  jitSizes_.resize(desc_.steps.size());
  for (size_t i = 0; i < desc_.steps.size(); ++i) {
    const StepDesc& step = desc_.steps[i];
    for (const std::vector<int32_t>* list : {&step.in, &step.out})
      for (int32_t s : *list)
        if (s < 0 || static_cast<size_t>(s) >= desc_.slots.size())
          failStep(i, "slot " + std::to_string(s) + " is out of range (" + std::to_string(desc_.slots.size()) + " slots)");
    for (int32_t s : step.out) {
      SlotKind k = desc_.slots[static_cast<size_t>(s)].kind;
      if (k != SlotKind::Arena && k != SlotKind::Output && k != SlotKind::StateOut)
        failStep(i, "writes slot " + std::to_string(s) + ", a read-only " + kindName(k) + " buffer");
    }
    switch (step.kind) {
      case StepKind::Kernel: {
        if (!kernelAt(step.kernelId)) failStep(i, "unknown kernel id " + std::to_string(step.kernelId));
        KernelCall& c = calls_[i];
        c.name = kernelName(step.kernelId);
        for (int32_t s : step.in) c.in.push_back({nullptr, desc_.slots[s].bytes, desc_.slots[s].dtype});
        for (int32_t s : step.out) c.out.push_back({nullptr, desc_.slots[s].bytes, desc_.slots[s].dtype});
        c.args = desc_.steps[i].args.data();
        c.nargs = step.args.size();
        break;
      }
      case StepKind::Jit: {
        if (!step.fn) failStep(i, "JIT kernel has no code");
        size_t n = step.in.size() + step.out.size();
        jitPointers_[i].assign(n, nullptr);
        std::vector<int64_t>& sizes = jitSizes_[i];
        // Element counts come from the checked slots, so a kernel that stays below them stays inside its buffers.
        for (const std::vector<int32_t>* list : {&step.in, &step.out})
          for (int32_t s : *list) sizes.push_back(static_cast<int64_t>(desc_.slots[s].bytes / dtypeSize(desc_.slots[s].dtype)));
        sizes.insert(sizes.end(), step.ints.begin(), step.ints.end());
        if (step.splitRange && (step.ints.size() < 2 || step.ints[0] > step.ints[1]))
          failStep(i, "a split range needs ints [begin, end) with begin <= end");
        break;
      }
      case StepKind::Copy:
        if (step.in.size() != 1 || step.out.size() != 1) failStep(i, "a copy takes one input and one output");
        if (desc_.slots[step.in[0]].bytes != desc_.slots[step.out[0]].bytes)
          failStep(i, "copies " + std::to_string(desc_.slots[step.in[0]].bytes) + " bytes into " +
                      std::to_string(desc_.slots[step.out[0]].bytes));
        break;
      default:
        failStep(i, "unknown step kind " + std::to_string(static_cast<int32_t>(step.kind)));
    }
  }

  arena_.reset(allocAligned(desc_.arenaBytes));
  for (size_t j = 0; j < desc_.state.size(); ++j)
    stateScratch_.emplace_back(desc_.assigned[j] ? allocAligned(desc_.state[j].bytes) : nullptr);
  slotData_.assign(desc_.slots.size(), nullptr);
  const char* profile = std::getenv("KILN_PROFILE_STEPS");
  if (profile && *profile && std::string(profile) != "0") stepSeconds_.assign(desc_.steps.size(), 0.0);
}

void Executor::failStep(size_t index, const std::string& message) const {
  const StepDesc& step = desc_.steps[index];
  std::string what = step.kind == StepKind::Kernel ? std::string("kernel ") + kernelName(step.kernelId)
                     : step.kind == StepKind::Jit  ? std::string("JIT kernel")
                                                   : std::string("copy");
  fail("step " + std::to_string(index) + " (" + what + "): " + message);
}

void Executor::checkBuffers(const RunBuffers& b, int64_t iterations, bool collectOutputs) const {
  if (iterations < 1) fail("steps must be at least 1, got " + std::to_string(iterations));
  checkList(b.inputs, b.numInputs, desc_.inputs, "input", static_cast<uint64_t>(iterations), nullptr);
  checkList(b.outputs, b.numOutputs, desc_.outputs, "output", collectOutputs ? static_cast<uint64_t>(iterations) : 1,
            nullptr);
  checkList(b.stateIn, b.numStateIn, desc_.state, "state", 1, nullptr);
  checkList(b.stateOut, b.numStateOut, desc_.state, "state update", 1, &desc_.assigned);
  checkList(b.constants, b.numConstants, desc_.constants, "constant", 1, nullptr);
  // What a run writes must not overlap anything else it touches.
  auto against = [&](const Buf& w, const char* what, size_t wi, const Buf* bufs, size_t n, const char* other,
                     const std::vector<bool>* only, bool skipSelf) {
    for (size_t i = 0; i < n; ++i) {
      if ((only && !(*only)[i]) || (skipSelf && i == wi)) continue;
      if (overlaps(w, bufs[i]))
        fail(std::string(what) + " " + std::to_string(wi) + " overlaps " + other + " " + std::to_string(i));
    }
  };
  for (size_t i = 0; i < b.numOutputs; ++i) {
    against(b.outputs[i], "output", i, b.inputs, b.numInputs, "input", nullptr, false);
    against(b.outputs[i], "output", i, b.outputs, b.numOutputs, "output", nullptr, true);
    against(b.outputs[i], "output", i, b.stateIn, b.numStateIn, "state", nullptr, false);
    against(b.outputs[i], "output", i, b.stateOut, b.numStateOut, "state update", &desc_.assigned, false);
    against(b.outputs[i], "output", i, b.constants, b.numConstants, "constant", nullptr, false);
  }
  for (size_t j = 0; j < b.numStateOut; ++j) {
    if (!desc_.assigned[j]) continue;
    against(b.stateOut[j], "state update", j, b.inputs, b.numInputs, "input", nullptr, false);
    // An in-place state value may be updated in its own buffer (exactly that buffer, nothing partial).
    const bool same = b.stateOut[j].bytes > 0 && b.stateOut[j].data == b.stateIn[j].data &&
                      b.stateOut[j].bytes == b.stateIn[j].bytes;
    if (same && !desc_.inPlace[j])
      fail("state update " + std::to_string(j) + " is its state buffer, but the plan cannot update it in place");
    against(b.stateOut[j], "state update", j, b.stateIn, b.numStateIn, "state", nullptr, same);
    against(b.stateOut[j], "state update", j, b.stateOut, b.numStateOut, "state update", &desc_.assigned, true);
    against(b.stateOut[j], "state update", j, b.constants, b.numConstants, "constant", nullptr, false);
  }
}

void Executor::bindSlots(const RunBuffers& b, int64_t k, int64_t iterations, bool collectOutputs) {
  // Iteration k writes assigned state into the caller's buffer or the scratch one, alternating so that the
  // last iteration ends in the caller's; it reads what k - 1 wrote (the caller's stateIn for k = 0).
  auto writeTarget = [&](size_t j, int64_t it) -> void* {
    return (iterations - 1 - it) % 2 == 0 ? b.stateOut[j].data : static_cast<void*>(stateScratch_[j].get());
  };
  for (size_t s = 0; s < desc_.slots.size(); ++s) {
    const SlotDesc& slot = desc_.slots[s];
    const size_t at = static_cast<size_t>(slot.at);
    void* p = nullptr;
    switch (slot.kind) {
      case SlotKind::Arena: p = arena_.get() + at; break;
      case SlotKind::Input: p = static_cast<uint8_t*>(b.inputs[at].data) + static_cast<size_t>(k) * slot.bytes; break;
      case SlotKind::Output:
        // Collecting, iteration k writes its own part (checkBuffers checked iterations · bytes).
        p = static_cast<uint8_t*>(b.outputs[at].data) + (collectOutputs ? static_cast<size_t>(k) * slot.bytes : 0);
        break;
      case SlotKind::StateIn:
        p = k == 0 || !desc_.assigned[at] || b.stateOut[at].data == b.stateIn[at].data ? b.stateIn[at].data
                                                                                       : writeTarget(at, k - 1);
        break;
      case SlotKind::StateOut:
        p = b.stateOut[at].data == b.stateIn[at].data ? b.stateOut[at].data : writeTarget(at, k);
        break;
      case SlotKind::Constant: p = b.constants[at].data; break;
    }
    slotData_[s] = p;
  }
}

size_t Executor::prepareFrozenOperands(const RunBuffers& b, PreparedCache* shared) {
  // Only the state and constants are bound: inputs and outputs may not exist yet (an artifact prepares at create).
  checkList(b.stateIn, b.numStateIn, desc_.state, "state", 1, nullptr);
  checkList(b.constants, b.numConstants, desc_.constants, "constant", 1, nullptr);
  PreparedCache local;
  PreparedCache& cache = shared ? *shared : local;
  std::vector<std::shared_ptr<const void>> prepared(desc_.steps.size());
  for (size_t i = 0; i < desc_.steps.size(); ++i) {
    const StepDesc& step = desc_.steps[i];
    KernelPrepareFn prepare = step.kind == StepKind::Kernel ? kernelPrepareAt(step.kernelId) : nullptr;
    if (!prepare) continue;
    KernelCall c = calls_[i];
    c.prepared = nullptr;
    uint64_t frozen = 0;
    for (size_t t = 0; t < step.in.size(); ++t) {
      const SlotDesc& slot = desc_.slots[step.in[t]];
      const size_t at = static_cast<size_t>(slot.at);
      // Frozen: a constant, or a state value the plan never assigns (so every iteration reads the caller's buffer).
      void* p = slot.kind == SlotKind::Constant                               ? b.constants[at].data
                : slot.kind == SlotKind::StateIn && !desc_.assigned[at] ? b.stateIn[at].data
                                                                             : nullptr;
      c.in[t].data = p;
      if (p && t < 64) frozen |= uint64_t(1) << t;
    }
    for (Buf& o : c.out) o.data = nullptr;
    if (!frozen) continue;
    try {
      prepared[i] = prepare(c, frozen, cache);
    } catch (const std::exception& e) {
      failStep(i, std::string("prepare: ") + e.what());
    }
  }
  // Nothing changes until every step prepared without error.
  prepared_ = std::move(prepared);
  size_t count = 0;
  for (size_t i = 0; i < calls_.size(); ++i) {
    calls_[i].prepared = prepared_[i].get();
    count += calls_[i].prepared != nullptr;
  }
  return count;
}

size_t Executor::numPrepared() const {
  size_t count = 0;
  for (const auto& p : prepared_) count += p != nullptr;
  return count;
}

void Executor::runStep(size_t i) {
  const StepDesc& step = desc_.steps[i];
  switch (step.kind) {
    case StepKind::Kernel: {
      KernelCall& c = calls_[i];
      for (size_t t = 0; t < step.in.size(); ++t) c.in[t].data = slotData_[step.in[t]];
      for (size_t t = 0; t < step.out.size(); ++t) c.out[t].data = slotData_[step.out[t]];
      try {
        kernelAt(step.kernelId)(c);
      } catch (const std::exception& e) {
        failStep(i, e.what());
      }
      break;
    }
    case StepKind::Jit: {
      std::vector<void*>& ptrs = jitPointers_[i];
      size_t n = 0;
      for (int32_t s : step.in) ptrs[n++] = slotData_[s];
      for (int32_t s : step.out) ptrs[n++] = slotData_[s];
      const std::vector<int64_t>& sizes = jitSizes_[i];
      // The work is about the elements touched: outputs, and inputs (a reduction's input can be much larger).
      int64_t elements = 0;
      for (size_t t = 0; t < n; ++t) elements += sizes[t];
      const int64_t begin = step.splitRange ? step.ints[0] : 0, end = step.splitRange ? step.ints[1] : 0;
      if (!step.splitRange || elements < 2 * kParallelGrain || end - begin < 2 || numThreads() < 2) {
        step.fn(ptrs.data(), sizes.data(), static_cast<int64_t>(n));
        break;
      }
      // Each thread runs a contiguous part of the range with its own copy of the size array.
#pragma omp parallel
      {
        thread_local std::vector<int64_t> mine;
        mine.assign(sizes.begin(), sizes.end());
        const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
        const int64_t chunk = (end - begin + threads - 1) / threads;
        const int64_t b = begin + std::min(end - begin, t * chunk), e = std::min(end, b + chunk);
        if (b < e) {
          mine[n] = b;
          mine[n + 1] = e;
          step.fn(ptrs.data(), mine.data(), static_cast<int64_t>(n));
        }
      }
      break;
    }
    case StepKind::Copy: {
      size_t bytes = desc_.slots[step.out[0]].bytes;
      void* dst = slotData_[step.out[0]];
      const void* src = slotData_[step.in[0]];
      if (bytes > 0 && dst != src) std::memmove(dst, src, bytes);
      break;
    }
  }
}

void Executor::run(const RunBuffers& buffers, int64_t iterations, bool collectOutputs) {
  checkBuffers(buffers, iterations, collectOutputs);
  for (int64_t k = 0; k < iterations; ++k) {
    bindSlots(buffers, k, iterations, collectOutputs);
    if (stepSeconds_.empty()) {
      for (size_t i = 0; i < desc_.steps.size(); ++i) runStep(i);
      continue;
    }
    for (size_t i = 0; i < desc_.steps.size(); ++i) {
      auto t0 = std::chrono::steady_clock::now();
      runStep(i);
      stepSeconds_[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  }
}

}  // namespace kiln
