// The C sources of an artifact: <name>.h (the public C API) and the wrapper that bakes the plans' tables
// (native/aot/kiln_aot.h) and forwards the API to the artifact runtime. Generated as text; every table is a
// static const array, so the wrapper compiles in well under a second with the system `cc`.
import type { ExecutorDescription } from '../../runtime/executable/native-executor.js';
import { StepKind } from '../../runtime/executable/native-executor.js';
import type { TensorInfo } from '../../runtime/artifact/manifest.js';

/** One baked plan: its executor description and where its state and constants are in the weights file. */
export interface BakedPlan {
  readonly batch: number;
  readonly description: ExecutorDescription;
  readonly stateWeights: readonly number[];
  readonly constantWeights: readonly number[];
}

/** Everything the wrapper bakes in. */
export interface BakedModel {
  readonly name: string;
  readonly kilnVersion: string;
  readonly maxBatch: number;
  readonly fixedBatch: boolean;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly weights: readonly { bytes: number; dtype: number }[];
  readonly weightsFnv1a: number;
  /** Largest batch first. */
  readonly plans: readonly BakedPlan[];
  /** Registry kernel id → name (names are looked up again when the artifact starts). */
  readonly kernelName: (id: number) => string;
}

const DTYPE_CODES: Record<string, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };

const cString = (s: string): string => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function cDouble(x: number): string {
  if (Number.isNaN(x)) return 'NAN';
  if (x === Infinity) return 'INFINITY';
  if (x === -Infinity) return '(-INFINITY)';
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Emits a named static array (or nothing, and "0" as its reference, when empty). */
class Tables {
  readonly lines: string[] = [];
  array(type: string, name: string, items: readonly string[]): string {
    if (items.length === 0) return '0';
    this.lines.push(`static const ${type} ${name}[] = {${items.join(', ')}};`);
    return name;
  }
}

function tensorTable(t: Tables, prefix: string, list: readonly TensorInfo[]): string {
  const rows = list.map((x, i) => {
    const row = x.shape.slice(1) as number[];
    const shape = t.array('int64_t', `${prefix}${i}_shape`, row.map(String));
    return `{${cString(x.name)}, ${row.length}, ${shape}, ${DTYPE_CODES[x.dtype]}, ${cString(x.dtype)}}`;
  });
  return t.array('kiln_aot_tensor', `${prefix}s`, rows);
}

function planTable(t: Tables, model: BakedModel, plan: BakedPlan, p: number): string {
  const d = plan.description;
  const pairs = (flat: readonly number[]): string[] => {
    const out: string[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(`{${flat[i]}, ${flat[i + 1]}}`);
    return out;
  };
  const slots: string[] = [];
  for (let i = 0; i < d.slots.length; i += 4) slots.push(`{${d.slots[i]}, ${d.slots[i + 1]}, ${d.slots[i + 2]}, ${d.slots[i + 3]}}`);
  const steps = d.steps.map((s, k) => {
    const pre = `p${p}_s${k}`;
    const ins = t.array('int32_t', `${pre}_in`, s.in.map(String));
    const outs = t.array('int32_t', `${pre}_out`, s.out.map(String));
    const args = s.kind === StepKind.kernel ? s.args : [];
    const ints = s.kind === StepKind.jit ? s.ints : [];
    const argsRef = t.array('double', `${pre}_args`, args.map(cDouble));
    const intsRef = t.array('int64_t', `${pre}_ints`, ints.map((x) => `INT64_C(${x})`));
    const kernel = s.kind === StepKind.kernel ? cString(model.kernelName(s.kernel)) : '0';
    const fn = s.kind === StepKind.jit ? s.symbol : '0';
    const split = s.kind === StepKind.jit && s.splitRange ? 1 : 0;
    return `{${s.kind}, ${kernel}, ${fn}, ${s.in.length}, ${ins}, ${s.out.length}, ${outs}, ${args.length}, ${argsRef}, ` +
      `${ints.length}, ${intsRef}, ${split}}`;
  });
  const inputs = t.array('kiln_aot_external', `p${p}_inputs`, pairs(d.inputs));
  const outputs = t.array('kiln_aot_external', `p${p}_outputs`, pairs(d.outputs));
  const state = t.array('int32_t', `p${p}_state`, plan.stateWeights.map(String));
  const constants = t.array('int32_t', `p${p}_constants`, plan.constantWeights.map(String));
  const slotRef = t.array('kiln_aot_slot', `p${p}_slots`, slots);
  const stepRef = t.array('kiln_aot_step', `p${p}_steps`, steps);
  return `{${plan.batch}, ${d.arenaBytes}, ${d.inputs.length / 2}, ${inputs}, ${d.outputs.length / 2}, ${outputs}, ` +
    `${plan.stateWeights.length}, ${state}, ${plan.constantWeights.length}, ${constants}, ${slots.length}, ${slotRef}, ` +
    `${steps.length}, ${stepRef}}`;
}

/** The public header <name>.h. */
export function headerSource(m: BakedModel): string {
  const n = m.name;
  const guard = `${n.toUpperCase()}_KILN_H`;
  const io = (list: readonly TensorInfo[]): string =>
    list.map((t, i) => ` *   ${i}: "${t.name}" ${t.dtype}[${t.shape.map((d) => d ?? 'batch').join(', ')}]`).join('\n');
  return `/* ${n}.h: C API of the Kiln artifact "${n}" (generated by Kiln ${m.kilnVersion}; do not edit).
 *
 * Inputs (row-major, batch first):
${io(m.inputs)}
 * Outputs:
${io(m.outputs)}
 * Batch: ${m.fixedBatch ? `exactly ${m.maxBatch} rows per run` : `1 to ${m.maxBatch} rows per run`}.
 *
 * Thread safety: a context runs one call at a time. Use one context per thread (contexts share only read-only
 * code and the process-wide OpenMP thread count). ${n}_run allocates nothing; its arenas are planned ahead.
 */
#ifndef ${guard}
#define ${guard}

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ${n.toUpperCase()}_MAX_BATCH ${m.maxBatch}

typedef struct ${n}_ctx ${n}_ctx;

/* Loads and checks the weights file (header, sizes, checksum); null with a message in err on failure. */
${n}_ctx* ${n}_create(const char* weights_path, char* err, size_t errlen);
/* Runs \`batch\` rows: inputs[i] holds batch x row elements of input i, outputs[j] receives those of output j.
 * Returns 0, or -1 with the message in ${n}_last_error. */
int ${n}_run(${n}_ctx* ctx, const float* const* inputs, float* const* outputs, int64_t batch);
const char* ${n}_last_error(const ${n}_ctx* ctx);
void ${n}_destroy(${n}_ctx* ctx);
/* Plan steps that run on weights prepared once at create (diagnostics; KILN_AOT_PREPARE=0 turns preparing off). */
int64_t ${n}_num_prepared(const ${n}_ctx* ctx);
/* Sets the OpenMP thread count of the kernels (process wide). */
void ${n}_set_num_threads(int n);

int ${n}_num_inputs(void);
int ${n}_num_outputs(void);
/* Name, rank and shape of one row (the batch dim left out), dtype name; null / -1 for an index out of range. */
const char* ${n}_input_name(int i);
int ${n}_input_rank(int i);
const int64_t* ${n}_input_shape(int i);
const char* ${n}_input_dtype(int i);
const char* ${n}_output_name(int i);
int ${n}_output_rank(int i);
const int64_t* ${n}_output_shape(int i);
const char* ${n}_output_dtype(int i);
/* The most rows a run takes; 1 when runs must have exactly that many. */
int64_t ${n}_max_batch(void);
int ${n}_fixed_batch(void);

#ifdef __cplusplus
}
#endif

#endif /* ${guard} */
`;
}

/** The wrapper: tables plus the C API over kiln_aot_*. */
export function wrapperSource(m: BakedModel, kernelSymbols: readonly string[]): string {
  const n = m.name;
  const t = new Tables();
  const plans = m.plans.map((p, i) => planTable(t, m, p, i));
  const planRef = t.array('kiln_aot_plan', 'plans', plans);
  const inputs = tensorTable(t, 'input', m.inputs);
  const outputs = tensorTable(t, 'output', m.outputs);
  const weights = t.array('kiln_aot_external', 'weights', m.weights.map((w) => `{${w.bytes}, ${w.dtype}}`));
  const accessors = (kind: 'input' | 'output', count: number): string => `
const char* ${n}_${kind}_name(int i) { return i >= 0 && i < ${count} ? ${kind}s[i].name : 0; }
int ${n}_${kind}_rank(int i) { return i >= 0 && i < ${count} ? ${kind}s[i].rank : -1; }
const int64_t* ${n}_${kind}_shape(int i) { return i >= 0 && i < ${count} ? ${kind}s[i].shape : 0; }
const char* ${n}_${kind}_dtype(int i) { return i >= 0 && i < ${count} ? ${kind}s[i].dtype_name : 0; }`;
  return `/* Generated by Kiln ${m.kilnVersion} for artifact "${n}"; do not edit. */
#include <math.h>
#include "kiln_aot.h"
#include "${n}.h"

${kernelSymbols.map((s) => `extern void ${s}(void**, const int64_t*, int64_t);`).join('\n')}

${t.lines.join('\n')}

static const kiln_aot_model model = {${cString(n)}, ${m.maxBatch}, ${m.fixedBatch ? 1 : 0}, ${m.inputs.length}, ${inputs}, ` +
    `${m.outputs.length}, ${outputs}, ${m.weights.length}, ${weights}, ${m.weightsFnv1a}u, ${m.plans.length}, ${planRef}};

${n}_ctx* ${n}_create(const char* weights_path, char* err, size_t errlen) {
  return (${n}_ctx*)kiln_aot_create(&model, weights_path, err, errlen);
}
int ${n}_run(${n}_ctx* ctx, const float* const* inputs, float* const* outputs, int64_t batch) {
  return kiln_aot_run((kiln_aot_context*)ctx, inputs, outputs, batch);
}
const char* ${n}_last_error(const ${n}_ctx* ctx) { return kiln_aot_last_error((const kiln_aot_context*)ctx); }
void ${n}_destroy(${n}_ctx* ctx) { kiln_aot_destroy((kiln_aot_context*)ctx); }
int64_t ${n}_num_prepared(const ${n}_ctx* ctx) { return kiln_aot_num_prepared((const kiln_aot_context*)ctx); }
void ${n}_set_num_threads(int n) { kiln_aot_set_num_threads(n); }
int ${n}_num_inputs(void) { return ${m.inputs.length}; }
int ${n}_num_outputs(void) { return ${m.outputs.length}; }
${accessors('input', m.inputs.length)}
${accessors('output', m.outputs.length)}
int64_t ${n}_max_batch(void) { return ${m.maxBatch}; }
int ${n}_fixed_batch(void) { return ${m.fixedBatch ? 1 : 0}; }
`;
}
