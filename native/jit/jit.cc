// kiln_jit over the LLVM-C API of libLLVM-14: parse → verify → retarget to the host → O0..O3 (new pass manager)
// → ORC LLJIT, or → object file. Every LLVM handle lives in an RAII holder; errors become messages, not aborts.
#include "jit.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace {

struct JitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// LLVM returns owned C strings and error objects: turn them into std::string at once.
std::string takeMessage(char* m) {
  std::string s = m ? m : "";
  if (m) LLVMDisposeMessage(m);
  return s;
}

std::string takeError(LLVMErrorRef e) {
  char* m = LLVMGetErrorMessage(e);
  std::string s = m ? m : "unknown LLVM error";
  LLVMDisposeErrorMessage(m);
  return s;
}

void check(LLVMErrorRef e, const char* what) {
  if (e) throw JitError(std::string(what) + ": " + takeError(e));
}

struct ContextDeleter {
  void operator()(LLVMContextRef c) const { LLVMContextDispose(c); }
};
struct ModuleDeleter {
  void operator()(LLVMModuleRef m) const { LLVMDisposeModule(m); }
};
struct TargetMachineDeleter {
  void operator()(LLVMTargetMachineRef t) const { LLVMDisposeTargetMachine(t); }
};
struct ThreadSafeContextDeleter {
  void operator()(LLVMOrcThreadSafeContextRef c) const { LLVMOrcDisposeThreadSafeContext(c); }
};
struct PassOptionsDeleter {
  void operator()(LLVMPassBuilderOptionsRef o) const { LLVMDisposePassBuilderOptions(o); }
};
using ContextPtr = std::unique_ptr<LLVMOpaqueContext, ContextDeleter>;
using ModulePtr = std::unique_ptr<LLVMOpaqueModule, ModuleDeleter>;
using TargetMachinePtr = std::unique_ptr<LLVMOpaqueTargetMachine, TargetMachineDeleter>;
using ThreadSafeContextPtr = std::unique_ptr<LLVMOrcOpaqueThreadSafeContext, ThreadSafeContextDeleter>;
using PassOptionsPtr = std::unique_ptr<LLVMOpaquePassBuilderOptions, PassOptionsDeleter>;

void initializeLlvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter() || LLVMInitializeNativeAsmParser())
      throw JitError("kiln_jit: LLVM has no native target for this host");
  });
}

bool hasFeature(const std::string& features, const char* feature) {
  size_t n = std::strlen(feature);
  for (size_t pos = 0; pos < features.size();) {
    size_t end = features.find(',', pos);
    if (end == std::string::npos) end = features.size();
    if (end - pos == n && features.compare(pos, n, feature) == 0) return true;
    pos = end + 1;
  }
  return false;
}

struct Host {
  std::string triple, hostCpu, hostFeatures, targetCpu, targetFeatures;
};

Host makeHost() {
  initializeLlvm();
  Host h;
  h.triple = takeMessage(LLVMGetDefaultTargetTriple());
  h.hostCpu = takeMessage(LLVMGetHostCPUName());
  h.hostFeatures = takeMessage(LLVMGetHostCPUFeatures());
  // LLVM 14 does not know recent CPUs by name (it may answer "generic"), so tune for the micro-architecture level
  // the features allow; the exact host features still decide which instructions are used.
  h.targetFeatures = h.hostFeatures;
  if (hasFeature(h.hostFeatures, "+avx512f")) {
    h.targetCpu = "x86-64-v4";
    // x86-64-v4 prefers 256-bit vectors; full-width AVX-512 cores want <16 x float>.
    h.targetFeatures += ",-prefer-256-bit";
  } else if (hasFeature(h.hostFeatures, "+avx2") && hasFeature(h.hostFeatures, "+fma")) {
    h.targetCpu = "x86-64-v3";
  } else {
    h.targetCpu = h.hostCpu;
  }
  return h;
}

const Host& host() {
  static const Host h = makeHost();
  return h;
}

LLVMCodeGenOptLevel codeGenLevel(int opt) {
  switch (opt) {
    case 0: return LLVMCodeGenLevelNone;
    case 1: return LLVMCodeGenLevelLess;
    case 2: return LLVMCodeGenLevelDefault;
    default: return LLVMCodeGenLevelAggressive;
  }
}

TargetMachinePtr makeTargetMachine(int opt, LLVMRelocMode reloc, LLVMCodeModel model) {
  const Host& h = host();
  LLVMTargetRef target;
  char* msg = nullptr;
  if (LLVMGetTargetFromTriple(h.triple.c_str(), &target, &msg))
    throw JitError("kiln_jit: no LLVM target for " + h.triple + ": " + takeMessage(msg));
  TargetMachinePtr tm(LLVMCreateTargetMachine(target, h.triple.c_str(), h.targetCpu.c_str(), h.targetFeatures.c_str(),
                                              codeGenLevel(opt), reloc, model));
  if (!tm) throw JitError("kiln_jit: cannot create a target machine for " + h.triple + " / " + h.targetCpu);
  return tm;
}

void checkOptLevel(int opt) {
  if (opt < 0 || opt > 3) throw JitError("kiln_jit: opt level must be 0..3, got " + std::to_string(opt));
}

ModulePtr parse(LLVMContextRef ctx, const char* code, size_t len, bool isBitcode) {
  if (!code && len > 0) throw JitError("kiln_jit: null input");
  if (isBitcode) {
    // Raw bitcode ('BC' 0xC0DE) or the wrapper header (0x0B17C0DE, little endian).
    static const unsigned char raw[4] = {'B', 'C', 0xC0, 0xDE};
    static const unsigned char wrapped[4] = {0xDE, 0xC0, 0x17, 0x0B};
    if (len < 4 || (std::memcmp(code, raw, 4) != 0 && std::memcmp(code, wrapped, 4) != 0))
      throw JitError("kiln_jit: input is not LLVM bitcode (bad magic)");
  }
  // parseIR reads text or bitcode; the copy is null-terminated as the text parser needs. It takes the buffer.
  LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(code ? code : "", len, "kiln_jit_input");
  LLVMModuleRef m = nullptr;
  char* msg = nullptr;
  if (LLVMParseIRInContext(ctx, buf, &m, &msg))
    throw JitError(std::string(isBitcode ? "LLVM bitcode" : "LLVM IR") + " parse error: " + takeMessage(msg));
  return ModulePtr(m);
}

bool hasStringAttribute(LLVMValueRef fn, const char* key) {
  return LLVMGetStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, key, std::strlen(key)) != nullptr;
}

void addStringAttribute(LLVMContextRef ctx, LLVMValueRef fn, const char* key, const std::string& value) {
  if (hasStringAttribute(fn, key)) return;
  LLVMAttributeRef a = LLVMCreateStringAttribute(ctx, key, std::strlen(key), value.data(), value.size());
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, a);
}

// Verifies the module, retargets it to the host (triple, data layout, per-function CPU and features so that the
// optimizer's cost model and the code generator agree) and runs the default pipeline at `opt`.
void prepare(LLVMContextRef ctx, LLVMModuleRef m, LLVMTargetMachineRef tm, int opt) {
  char* msg = nullptr;
  if (LLVMVerifyModule(m, LLVMReturnStatusAction, &msg)) throw JitError("invalid LLVM IR: " + takeMessage(msg));
  takeMessage(msg);
  const Host& h = host();
  LLVMSetTarget(m, h.triple.c_str());
  LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(tm);
  std::string layoutText = takeMessage(LLVMCopyStringRepOfTargetData(layout));
  LLVMDisposeTargetData(layout);
  LLVMSetDataLayout(m, layoutText.c_str());
  for (LLVMValueRef fn = LLVMGetFirstFunction(m); fn; fn = LLVMGetNextFunction(fn)) {
    if (LLVMIsDeclaration(fn)) continue;
    addStringAttribute(ctx, fn, "target-cpu", h.targetCpu);
    addStringAttribute(ctx, fn, "target-features", h.targetFeatures);
  }
  PassOptionsPtr options(LLVMCreatePassBuilderOptions());
  // As clang does: both vectorizers from O2 on (the C API's defaults leave the SLP vectorizer off).
  LLVMPassBuilderOptionsSetLoopVectorization(options.get(), opt >= 2);
  LLVMPassBuilderOptionsSetSLPVectorization(options.get(), opt >= 2);
  LLVMPassBuilderOptionsSetLoopInterleaving(options.get(), opt >= 2);
  LLVMPassBuilderOptionsSetLoopUnrolling(options.get(), opt >= 2);
  std::string pipeline = "default<O" + std::to_string(opt) + ">";
  check(LLVMRunPasses(m, pipeline.c_str(), tm, options.get()), "LLVM optimization failed");
}

void setError(char** err, const char* message) {
  if (!err) return;
  size_t n = std::strlen(message);
  char* copy = static_cast<char*>(std::malloc(n + 1));
  if (copy) std::memcpy(copy, message, n + 1);
  *err = copy;
}

}  // namespace

struct kiln_jit_module {
  std::string optimizedIR;
  LLVMOrcLLJITRef jit = nullptr;
  std::mutex lookupMutex;  // lookups compile lazily and fill the cache
  std::unordered_map<std::string, void*> symbols;
  std::mutex errorMutex;  // the session may report errors from inside a lookup
  std::string sessionErrors;  // kept: a failed symbol fails again on later lookups without a new report

  ~kiln_jit_module() {
    if (jit) {
      LLVMErrorRef e = LLVMOrcDisposeLLJIT(jit);
      if (e) LLVMConsumeError(e);
    }
  }
};

namespace {

void reportSessionError(void* ctx, LLVMErrorRef e) {
  auto* module = static_cast<kiln_jit_module*>(ctx);
  std::string message = takeError(e);
  std::lock_guard<std::mutex> lock(module->errorMutex);
  if (module->sessionErrors.size() < 4096) module->sessionErrors += "; " + message;
}

// A fresh LLJIT for `module` whose code generator is configured exactly like the optimizer's target machine, and
// which resolves C library symbols (expf, memset, ...) from the process. Returns the JIT's main library.
LLVMOrcJITDylibRef makeJit(kiln_jit_module& module, int opt) {
  LLVMOrcJITTargetMachineBuilderRef jtmb = LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(
      makeTargetMachine(opt, LLVMRelocPIC, LLVMCodeModelJITDefault).release());
  LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
  LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb);
  check(LLVMOrcCreateLLJIT(&module.jit, builder), "kiln_jit: cannot create the JIT");
  LLVMOrcExecutionSessionSetErrorReporter(LLVMOrcLLJITGetExecutionSession(module.jit), reportSessionError, &module);
  LLVMOrcDefinitionGeneratorRef process = nullptr;
  check(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&process, LLVMOrcLLJITGetGlobalPrefix(module.jit),
                                                             nullptr, nullptr),
        "kiln_jit: cannot search the process for symbols");
  LLVMOrcJITDylibRef main = LLVMOrcLLJITGetMainJITDylib(module.jit);
  LLVMOrcJITDylibAddGenerator(main, process);
  return main;
}

std::unique_ptr<kiln_jit_module> compile(const char* code, size_t len, bool isBitcode, int opt) {
  checkOptLevel(opt);
  initializeLlvm();
  // Destruction order matters: the module must go before the context that owns it.
  ThreadSafeContextPtr tsc(LLVMOrcCreateNewThreadSafeContext());
  LLVMContextRef ctx = LLVMOrcThreadSafeContextGetContext(tsc.get());
  ModulePtr m = parse(ctx, code, len, isBitcode);
  TargetMachinePtr optimizeTm = makeTargetMachine(opt, LLVMRelocPIC, LLVMCodeModelJITDefault);
  prepare(ctx, m.get(), optimizeTm.get(), opt);

  auto module = std::make_unique<kiln_jit_module>();
  module->optimizedIR = takeMessage(LLVMPrintModuleToString(m.get()));
  LLVMOrcJITDylibRef main = makeJit(*module, opt);
  // The thread-safe module takes the module and shares the context; the JIT takes the thread-safe module.
  LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m.release(), tsc.get());
  check(LLVMOrcLLJITAddLLVMIRModule(module->jit, main, tsm), "kiln_jit: cannot add the module to the JIT");
  return module;
}

// The object's bytes in a malloc'd copy: the C API hands them to callers that free with kiln_jit_free_object.
kiln_jit_object_t compileObject(const char* code, size_t len, bool isBitcode, int opt) {
  checkOptLevel(opt);
  initializeLlvm();
  ContextPtr ctx(LLVMContextCreate());
  ModulePtr m = parse(ctx.get(), code, len, isBitcode);
  // The same target machine as the JIT's (PIC, the JIT's code model), so the object is the code kiln_jit_compile
  // would generate, and links into a JIT the same way.
  TargetMachinePtr tm = makeTargetMachine(opt, LLVMRelocPIC, LLVMCodeModelJITDefault);
  prepare(ctx.get(), m.get(), tm.get(), opt);
  LLVMMemoryBufferRef buf = nullptr;
  char* msg = nullptr;
  if (LLVMTargetMachineEmitToMemoryBuffer(tm.get(), m.get(), LLVMObjectFile, &msg, &buf))
    throw JitError("cannot emit the object file: " + takeMessage(msg));
  std::unique_ptr<LLVMOpaqueMemoryBuffer, void (*)(LLVMMemoryBufferRef)> owned(buf, LLVMDisposeMemoryBuffer);
  size_t size = LLVMGetBufferSize(buf);
  kiln_jit_object_t object{static_cast<char*>(std::malloc(size ? size : 1)), size};
  if (!object.data) throw JitError("kiln_jit: out of memory for a " + std::to_string(size) + "-byte object");
  std::memcpy(object.data, LLVMGetBufferStart(buf), size);
  return object;
}

uint16_t readU16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // little endian: checked with the ELF header's data byte, and the host is x86-64
}

// The header fields LLVM needs before it trusts the rest: a relocatable 64-bit little-endian ELF for this machine.
void checkObject(const char* data, size_t len) {
  constexpr size_t kHeaderBytes = 64;  // sizeof(Elf64_Ehdr)
  if (!data || len < kHeaderBytes)
    throw JitError(std::to_string(len) + " bytes is too short for an ELF object");
  if (std::memcmp(data, "\x7f" "ELF", 4) != 0) throw JitError("not an ELF file (bad magic)");
  if (data[4] != 2 || data[5] != 1)
    throw JitError("not a 64-bit little-endian ELF object");
  if (readU16(data + 16) != 1) throw JitError("not a relocatable ELF object (ET_REL)");
  const uint16_t machine = readU16(data + 18);
#if defined(__x86_64__)
  if (machine != 62) throw JitError("ELF machine " + std::to_string(machine) + ", not x86-64");
#elif defined(__aarch64__)
  if (machine != 183) throw JitError("ELF machine " + std::to_string(machine) + ", not AArch64");
#endif
}

std::unique_ptr<kiln_jit_module> loadObject(const char* data, size_t len) {
  checkObject(data, len);
  initializeLlvm();
  auto module = std::make_unique<kiln_jit_module>();
  LLVMOrcJITDylibRef main = makeJit(*module, 3);
  // The JIT takes the buffer (also on failure); it parses the symbol table now and links on first lookup.
  LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(data, len, "kiln_jit_object");
  check(LLVMOrcLLJITAddObjectFile(module->jit, main, buf), "kiln_jit: cannot add the object to the JIT");
  return module;
}

}  // namespace

extern "C" {

const kiln_jit_host_info_t* kiln_jit_host_info(void) {
  static const kiln_jit_host_info_t info = [] {
    kiln_jit_host_info_t i{};
    try {
      const Host& h = host();
      i = {h.triple.c_str(), h.hostCpu.c_str(), h.hostFeatures.c_str(), h.targetCpu.c_str(), h.targetFeatures.c_str()};
    } catch (const std::exception&) {
      i = {"", "", "", "", ""};
    }
    return i;
  }();
  return &info;
}

kiln_jit_module* kiln_jit_compile(const char* code, size_t len, int is_bitcode, int opt_level, char** err) {
  try {
    return compile(code, len, is_bitcode != 0, opt_level).release();
  } catch (const std::exception& e) {
    setError(err, e.what());
    return nullptr;
  }
}

void* kiln_jit_lookup(kiln_jit_module* module, const char* symbol, char** err) {
  try {
    if (!module || !symbol) throw JitError("kiln_jit_lookup: null module or symbol");
    std::lock_guard<std::mutex> lock(module->lookupMutex);
    auto it = module->symbols.find(symbol);
    if (it != module->symbols.end()) return it->second;
    LLVMOrcExecutorAddress address = 0;
    LLVMErrorRef e = LLVMOrcLLJITLookup(module->jit, &address, symbol);
    if (e) {
      std::string message = takeError(e);
      std::lock_guard<std::mutex> errors(module->errorMutex);
      throw JitError("cannot find or compile symbol \"" + std::string(symbol) + "\": " + message +
                     module->sessionErrors);
    }
    if (address == 0) throw JitError("kiln_jit: symbol \"" + std::string(symbol) + "\" resolved to null");
    void* fn = reinterpret_cast<void*>(static_cast<uintptr_t>(address));
    module->symbols.emplace(symbol, fn);
    return fn;
  } catch (const std::exception& ex) {
    setError(err, ex.what());
    return nullptr;
  }
}

const char* kiln_jit_optimized_ir(const kiln_jit_module* module) { return module ? module->optimizedIR.c_str() : ""; }

void kiln_jit_free(kiln_jit_module* module) { std::unique_ptr<kiln_jit_module> owned(module); }

int kiln_jit_emit_object(const char* code, size_t len, int is_bitcode, int opt_level, const char* path,
                         char** err) {
  try {
    checkOptLevel(opt_level);
    if (!path || !*path) throw JitError("kiln_jit_emit_object: empty output path");
    initializeLlvm();
    ContextPtr ctx(LLVMContextCreate());
    ModulePtr m = parse(ctx.get(), code, len, is_bitcode != 0);
    // PIC so that the object can go into a shared library (the AOT artifact).
    TargetMachinePtr tm = makeTargetMachine(opt_level, LLVMRelocPIC, LLVMCodeModelDefault);
    prepare(ctx.get(), m.get(), tm.get(), opt_level);
    std::string file = path;  // the C API takes a mutable char*
    char* msg = nullptr;
    if (LLVMTargetMachineEmitToFile(tm.get(), m.get(), file.data(), LLVMObjectFile, &msg))
      throw JitError("cannot write object file " + file + ": " + takeMessage(msg));
    return 0;
  } catch (const std::exception& e) {
    setError(err, e.what());
    return -1;
  }
}

int kiln_jit_compile_object(const char* code, size_t len, int is_bitcode, int opt_level, kiln_jit_object_t* out,
                            char** err) {
  try {
    if (!out) throw JitError("kiln_jit_compile_object: null output");
    *out = compileObject(code, len, is_bitcode != 0, opt_level);
    return 0;
  } catch (const std::exception& e) {
    setError(err, e.what());
    return -1;
  }
}

void kiln_jit_free_object(kiln_jit_object_t* object) {
  if (!object) return;
  std::free(object->data);
  *object = {nullptr, 0};
}

kiln_jit_module* kiln_jit_load_object(const char* data, size_t len, char** err) {
  try {
    return loadObject(data, len).release();
  } catch (const std::exception& e) {
    setError(err, e.what());
    return nullptr;
  }
}

void kiln_jit_free_error(char* err) { std::free(err); }

}  // extern "C"
