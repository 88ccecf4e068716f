// The runtime inside every compiled artifact: checks the weights file against the baked tables before using any
// of it, builds one plan executor per baked batch size (every slot and size checked by kiln::Executor), and runs
// a batch of rows as a sum of the plans' batch sizes, largest first, each on its slice of the caller's rows (no
// padding, no copies, no allocation). The weights never change for a context's life, so kernels prepare them once
// at create (matmul packs its B weights; the plans share one copy per weight).
#include "kiln_aot.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "executor.h"

namespace {

constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8;
constexpr size_t kEntryBytes = 8 + 8 + 4 + 4;
constexpr uint64_t kAlign = 64;

struct AotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& m) { throw AotError(m); }

uint64_t readU64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t readU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

struct Freer {
  void operator()(void* p) const { std::free(p); }
};

struct PlanRun {
  int64_t batch = 0;
  std::unique_ptr<kiln::Executor> executor;
  std::vector<kiln::Buf> inputs, outputs, state, constants;
  // Bytes of one row of each input and output.
  std::vector<size_t> inRow, outRow;
};

}  // namespace

struct kiln_aot_context {
  const kiln_aot_model* model = nullptr;
  std::unique_ptr<uint8_t, Freer> weights;
  std::vector<kiln::Buf> weightBufs;
  std::vector<PlanRun> plans;
  // Plan steps that run on prepared weights (diagnostics: kiln_aot_num_prepared).
  int64_t prepared = 0;
  std::string error;
};

namespace {

// The whole file in one 64-byte aligned buffer, its size checked against the header before anything else.
std::unique_ptr<uint8_t, Freer> readWeights(const char* path, size_t& size) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path, "rb"), std::fclose);
  if (!f) fail(std::string("cannot open weights file ") + path);
  if (std::fseek(f.get(), 0, SEEK_END) != 0) fail(std::string("cannot seek weights file ") + path);
  long end = std::ftell(f.get());
  if (end < 0) fail(std::string("cannot size weights file ") + path);
  size = static_cast<size_t>(end);
  std::rewind(f.get());
  size_t alloc = (size + kAlign - 1) / kAlign * kAlign;
  std::unique_ptr<uint8_t, Freer> data(static_cast<uint8_t*>(std::aligned_alloc(kAlign, alloc ? alloc : kAlign)));
  if (!data) fail("out of memory for " + std::to_string(size) + " bytes of weights");
  if (size && std::fread(data.get(), 1, size, f.get()) != size) fail(std::string("cannot read weights file ") + path);
  return data;
}

void checkWeights(kiln_aot_context& c, const uint8_t* d, size_t size) {
  const kiln_aot_model& m = *c.model;
  if (size < kHeaderBytes) fail("weights file: " + std::to_string(size) + " bytes is shorter than its header");
  if (std::memcmp(d, KILN_AOT_WEIGHTS_MAGIC, 8) != 0) fail("weights file: bad magic (not a Kiln weights file)");
  if (readU32(d + 8) != KILN_AOT_WEIGHTS_VERSION)
    fail("weights file: version " + std::to_string(readU32(d + 8)) + ", expected " +
         std::to_string(KILN_AOT_WEIGHTS_VERSION));
  uint32_t count = readU32(d + 12);
  if (m.num_weights < 0 || count != static_cast<uint32_t>(m.num_weights))
    fail("weights file: " + std::to_string(count) + " entries, the artifact expects " + std::to_string(m.num_weights));
  if (readU64(d + 16) != size)
    fail("weights file: header says " + std::to_string(readU64(d + 16)) + " bytes, the file has " + std::to_string(size));
  const uint64_t tableEnd = kHeaderBytes + static_cast<uint64_t>(count) * kEntryBytes;
  if (tableEnd > size) fail("weights file: entry table runs past the end of the file");
  uint64_t dataStart = (tableEnd + kAlign - 1) / kAlign * kAlign, next = dataStart;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* e = d + kHeaderBytes + i * kEntryBytes;
    uint64_t offset = readU64(e), bytes = readU64(e + 8);
    int32_t dtype = static_cast<int32_t>(readU32(e + 16));
    std::string what = "weights file: entry " + std::to_string(i);
    if (bytes != static_cast<uint64_t>(m.weights[i].bytes) || dtype != m.weights[i].dtype)
      fail(what + " holds " + std::to_string(bytes) + " bytes of dtype " + std::to_string(dtype) + ", expected " +
           std::to_string(m.weights[i].bytes) + " bytes of dtype " + std::to_string(m.weights[i].dtype));
    if (offset % kAlign != 0 || offset < next || offset > size || bytes > size - offset)
      fail(what + ": " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
           " are out of range, misaligned or overlap the previous entry (file of " + std::to_string(size) + " bytes)");
    next = offset + bytes;
  }
  uint32_t h = 2166136261u;
  for (size_t i = dataStart; i < size; ++i) h = (h ^ d[i]) * 16777619u;
  if (h != m.weights_fnv1a) fail("weights file: content checksum does not match the artifact (corrupted or other weights)");
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* e = d + kHeaderBytes + i * kEntryBytes;
    c.weightBufs.push_back({const_cast<uint8_t*>(d) + readU64(e), static_cast<size_t>(readU64(e + 8)),
                            static_cast<int32_t>(readU32(e + 16))});
  }
}

std::vector<kiln::ExternalDesc> externals(const kiln_aot_external* list, int32_t n) {
  std::vector<kiln::ExternalDesc> out;
  for (int32_t i = 0; i < n; ++i) {
    if (list[i].bytes < 0) fail("negative external size");
    out.push_back({static_cast<size_t>(list[i].bytes), list[i].dtype});
  }
  return out;
}

kiln::Buf weightAt(const kiln_aot_context& c, int32_t index) {
  if (index < 0 || static_cast<size_t>(index) >= c.weightBufs.size())
    fail("plan names weight " + std::to_string(index) + " of " + std::to_string(c.weightBufs.size()));
  return c.weightBufs[static_cast<size_t>(index)];
}

PlanRun buildPlan(const kiln_aot_context& c, const kiln_aot_plan& p) {
  const kiln_aot_model& m = *c.model;
  std::string where = "plan for batch " + std::to_string(p.batch);
  if (p.batch < 1 || p.batch > m.max_batch) fail(where + ": batch out of range");
  if (p.num_inputs != m.num_inputs || p.num_outputs != m.num_outputs) fail(where + ": input/output count mismatch");
  if (p.arena_bytes < 0 || p.num_slots < 0 || p.num_steps < 0 || p.num_state < 0 || p.num_constants < 0)
    fail(where + ": negative count");
  kiln::ExecutorDesc desc;
  desc.arenaBytes = static_cast<size_t>(p.arena_bytes);
  desc.inputs = externals(p.inputs, p.num_inputs);
  desc.outputs = externals(p.outputs, p.num_outputs);
  PlanRun run;
  run.batch = p.batch;
  for (int32_t i = 0; i < p.num_state; ++i) {
    kiln::Buf b = weightAt(c, p.state_weights[i]);
    desc.state.push_back({b.bytes, b.dtype});
    run.state.push_back(b);
  }
  for (int32_t i = 0; i < p.num_constants; ++i) {
    kiln::Buf b = weightAt(c, p.constant_weights[i]);
    desc.constants.push_back({b.bytes, b.dtype});
    run.constants.push_back(b);
  }
  desc.assigned.assign(desc.state.size(), false);
  for (int32_t s = 0; s < p.num_slots; ++s) {
    const kiln_aot_slot& sl = p.slots[s];
    if (sl.bytes < 0) fail(where + ": negative slot size");
    desc.slots.push_back({static_cast<kiln::SlotKind>(sl.kind), sl.at, static_cast<size_t>(sl.bytes), sl.dtype});
  }
  for (int32_t i = 0; i < p.num_steps; ++i) {
    const kiln_aot_step& st = p.steps[i];
    if (st.num_in < 0 || st.num_out < 0 || st.num_args < 0 || st.num_ints < 0) fail(where + ": negative step count");
    kiln::StepDesc s;
    s.kind = static_cast<kiln::StepKind>(st.kind);
    if (s.kind == kiln::StepKind::Kernel) {
      s.kernelId = kiln::findKernel(st.kernel ? st.kernel : "");
      if (s.kernelId < 0) fail(where + ": step " + std::to_string(i) + " names unknown kernel \"" + (st.kernel ? st.kernel : "") + "\"");
    }
    s.fn = st.fn;
    s.in.assign(st.in, st.in + st.num_in);
    s.out.assign(st.out, st.out + st.num_out);
    s.args.assign(st.args, st.args + st.num_args);
    s.ints.assign(st.ints, st.ints + st.num_ints);
    s.splitRange = st.split_range != 0;
    desc.steps.push_back(std::move(s));
  }
  for (size_t i = 0; i < desc.inputs.size(); ++i) {
    if (desc.inputs[i].bytes % static_cast<size_t>(p.batch) != 0) fail(where + ": input size is not whole rows");
    run.inRow.push_back(desc.inputs[i].bytes / static_cast<size_t>(p.batch));
    run.inputs.push_back({nullptr, desc.inputs[i].bytes, desc.inputs[i].dtype});
  }
  for (size_t i = 0; i < desc.outputs.size(); ++i) {
    if (desc.outputs[i].bytes % static_cast<size_t>(p.batch) != 0) fail(where + ": output size is not whole rows");
    run.outRow.push_back(desc.outputs[i].bytes / static_cast<size_t>(p.batch));
    run.outputs.push_back({nullptr, desc.outputs[i].bytes, desc.outputs[i].dtype});
  }
  run.executor = std::make_unique<kiln::Executor>(std::move(desc));
  return run;
}

kiln::RunBuffers weightBuffers(const PlanRun& p) {
  kiln::RunBuffers b;
  b.stateIn = p.state.data();
  b.numStateIn = p.state.size();
  b.stateOut = p.state.data();
  b.numStateOut = p.state.size();
  b.constants = p.constants.data();
  b.numConstants = p.constants.size();
  return b;
}

// Lets every plan's kernels prepare the (checked, immutable) weights once; KILN_AOT_PREPARE=0 turns it off, for
// A/B measurements and tests.
void prepareWeights(kiln_aot_context& c) {
  const char* env = std::getenv("KILN_AOT_PREPARE");
  if (env && std::string(env) == "0") return;
  kiln::PreparedCache shared;
  for (PlanRun& p : c.plans) c.prepared += static_cast<int64_t>(p.executor->prepareFrozenOperands(weightBuffers(p), &shared));
}

void copyError(const std::string& m, char* err, size_t errlen) {
  if (!err || errlen == 0) return;
  std::snprintf(err, errlen, "%s", m.c_str());
}

}  // namespace

extern "C" {

kiln_aot_context* kiln_aot_create(const kiln_aot_model* model, const char* weights_path, char* err, size_t errlen) {
  try {
    if (!model || !weights_path) fail("no model or weights path");
    auto c = std::make_unique<kiln_aot_context>();
    c->model = model;
    size_t size = 0;
    c->weights = readWeights(weights_path, size);
    checkWeights(*c, c->weights.get(), size);
    for (int32_t i = 0; i < model->num_plans; ++i) c->plans.push_back(buildPlan(*c, model->plans[i]));
    if (c->plans.empty()) fail("the artifact has no plans");
    for (size_t i = 1; i < c->plans.size(); ++i)
      if (c->plans[i].batch >= c->plans[i - 1].batch) fail("plans are not sorted by batch, largest first");
    if (!model->fixed_batch && c->plans.back().batch != 1) fail("an artifact with a max batch needs a plan for batch 1");
    prepareWeights(*c);
    return c.release();
  } catch (const std::exception& e) {
    copyError(std::string(model && model->name ? model->name : "kiln artifact") + ": " + e.what(), err, errlen);
    return nullptr;
  }
}

int kiln_aot_run(kiln_aot_context* c, const float* const* inputs, float* const* outputs, int64_t batch) {
  if (!c) return -1;
  const kiln_aot_model& m = *c->model;
  c->error.clear();
  try {
    if (m.fixed_batch ? batch != m.max_batch : batch < 1 || batch > m.max_batch)
      fail("batch " + std::to_string(batch) + " is not allowed: the artifact runs " +
           (m.fixed_batch ? "exactly " : "1 to ") + std::to_string(m.max_batch) + " rows");
    if (!inputs || !outputs) fail("no input or output pointer array");
    for (int32_t i = 0; i < m.num_inputs; ++i)
      if (!inputs[i]) fail("input " + std::to_string(i) + " is null");
    for (int32_t i = 0; i < m.num_outputs; ++i)
      if (!outputs[i]) fail("output " + std::to_string(i) + " is null");
    int64_t row = 0;
    for (PlanRun& p : c->plans) {
      while (batch - row >= p.batch) {
        for (size_t i = 0; i < p.inputs.size(); ++i)
          p.inputs[i].data = const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(inputs[i])) + row * p.inRow[i];
        for (size_t i = 0; i < p.outputs.size(); ++i)
          p.outputs[i].data = reinterpret_cast<uint8_t*>(outputs[i]) + row * p.outRow[i];
        kiln::RunBuffers b = weightBuffers(p);
        b.inputs = p.inputs.data();
        b.numInputs = p.inputs.size();
        b.outputs = p.outputs.data();
        b.numOutputs = p.outputs.size();
        p.executor->run(b, 1);
        row += p.batch;
      }
    }
    return 0;
  } catch (const std::exception& e) {
    c->error = std::string(m.name ? m.name : "kiln artifact") + ": " + e.what();
    return -1;
  }
}

const char* kiln_aot_last_error(const kiln_aot_context* c) { return c ? c->error.c_str() : "no context"; }

int64_t kiln_aot_num_prepared(const kiln_aot_context* c) { return c ? c->prepared : -1; }

void kiln_aot_set_num_threads(int n) { kiln::setNumThreads(n); }

void kiln_aot_destroy(kiln_aot_context* c) { delete c; }

}  // extern "C"
