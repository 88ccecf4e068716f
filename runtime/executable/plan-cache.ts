// The first-level compile cache: a traced FuncGraph's canonical fingerprint (graph-fingerprint.ts), hashed with
// this host, this Kiln and its compiler's code (compiler-build-id.ts) into a key, maps to its finished
// CompiledPlan, so that a warm compile skips optimize, planGraph, lowering and the code cache's hash of the linked
// IR. In process, a key maps to the CompiledPlan itself (with its JIT module). On disk, beside the code cache's
// objects, `<key>.kplan` holds the plan as JSON (kernel names instead of ids, module handles 0, the code cache key
// of its object) after a line with the SHA-256 of that JSON; a second process reads it and links the object from
// the code cache. A file that fails any check is deleted and the graph compiled again. The code cache (keyed on
// the linked IR) stays the second level.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DTYPE_BYTES, DTYPE_CODE, dtypeOfArray, type DType, type TypedArray } from '../../src/core/dtype.js';
import { allocBuffer } from '../../src/core/buffers.js';
import { kernel } from '../../src/core/native.js';
import type { FuncGraph, Value } from '../../compiler/ir/func-graph.js';
import { lowerStep } from '../../compiler/lower/cpu/lower-step.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { planGraph } from '../../compiler/plan/make-plan.js';
import type { ExecutionPlan } from '../../compiler/plan/plan.js';
import { artifactAddon } from '../artifact/artifact-native.js';
import { codeCacheDir, graphCacheKey, loadCached, rejectCacheFile, writeCacheFile } from './code-cache.js';
import { compilerBuildId } from './compiler-build-id.js';
import { describePlan, type PlanDescription } from './describe-plan.js';
import { graphFingerprint } from './graph-fingerprint.js';
import { StepKind, type ExecutorDescription, type ExecutorStep } from './native-executor.js';

/** A plan ready to build executors from, for any traced graph with its fingerprint. */
export interface CompiledPlan {
  readonly described: PlanDescription;
  /** Steps of the execution plan (per-step profiles have one entry per plan step, plus one). */
  readonly planSteps: number;
  /** Per state value of the description, its index in the traced graph's state. */
  readonly stateOrder: readonly number[];
  /** Per constant of the description: an index into the traced graph's constants, or the (folded) data itself. */
  readonly constants: readonly (number | TypedArray)[];
}

/** Counters of the first-level cache since the process started (or since clearPlanCache). */
export interface PlanCacheStats {
  memoryHits: number;
  diskHits: number;
  /** Graphs optimized, planned and described (each a miss of both levels of this cache). */
  plans: number;
}

const FORMAT = 'kiln-plan-1';
// In-process entries beyond this are dropped oldest first (executables built from them keep them alive).
const MAX_PLANS = 128;

const plans = new Map<string, CompiledPlan>();
const stats: PlanCacheStats = { memoryHits: 0, diskHits: 0, plans: 0 };

const dataOf = (v: Value): TypedArray => {
  if (v.def.kind !== 'constant') throw new Error(`plan cache: %${v.id} is not a constant`);
  return v.def.tensor.dataSync();
};
const hashOf = (data: TypedArray): string =>
  createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');

/**
 * The CompiledPlan of `plan`, which was made from `traced`: state is matched by variable, constants by dtype,
 * shape and content (a constant folding made is kept as a copy of its data).
 */
export function compiledPlanOf(plan: ExecutionPlan, described: PlanDescription, traced: FuncGraph): CompiledPlan {
  const { graph } = plan;
  const stateOrder = graph.state.map((s) => {
    const i = traced.state.findIndex((t) => traced.variableOf(t) === graph.variableOf(s));
    if (i < 0) throw new Error(`plan cache @${graph.name}: state %${s.id} is not state of the traced graph`);
    return i;
  });
  const tracedHashes = new Map<string, number>();
  traced.constants.forEach((c, i) => {
    const key = `${c.dtype}[${c.shape.join(',')}]${hashOf(dataOf(c))}`;
    if (!tracedHashes.has(key)) tracedHashes.set(key, i);
  });
  const constants = graph.constants.map((c) => {
    const data = dataOf(c);
    return tracedHashes.get(`${c.dtype}[${c.shape.join(',')}]${hashOf(data)}`) ?? data.slice();
  });
  return { described, planSteps: plan.steps.length, stateOrder, constants };
}

function remember(key: string, compiled: CompiledPlan): void {
  plans.delete(key);
  plans.set(key, compiled);
  if (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value!);
}

/** The disk file of the plan under `key`. */
export function planCacheFile(key: string): string {
  return join(codeCacheDir(), `${key}.kplan`);
}

/** What a `.kplan` file holds (after its hash line). */
interface StoredPlan {
  readonly format: string;
  readonly key: string;
  readonly codeKey: string | null;
  readonly description: ExecutorDescription;
  /** Per kernel step (in step order), the registry kernel's name. */
  readonly kernels: readonly string[];
  readonly jitSteps: number;
  readonly kernelSteps: number;
  readonly stepOrigins: readonly number[];
  readonly planSteps: number;
  readonly stateOrder: readonly number[];
  readonly constants: readonly (number | { dtype: DType; base64: string })[];
}

function save(key: string, c: CompiledPlan): void {
  const d = c.described;
  const stored: StoredPlan = {
    format: FORMAT, key, codeKey: d.codeKey,
    description: {
      ...d.description, steps: d.description.steps.map((s) => (s.kind === StepKind.jit ? { ...s, module: 0 } : s)),
    },
    kernels: d.description.steps.flatMap((s) => (s.kind === StepKind.kernel ? [artifactAddon.kernelName(s.kernel)] : [])),
    jitSteps: d.jitSteps, kernelSteps: d.kernelSteps, stepOrigins: d.stepOrigins, planSteps: c.planSteps,
    stateOrder: c.stateOrder,
    constants: c.constants.map((x) => typeof x === 'number' ? x
      : { dtype: dtypeOfArray(x), base64: Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64') }),
  };
  const json = JSON.stringify(stored);
  writeCacheFile(planCacheFile(key), `${createHash('sha256').update(json).digest('hex')}\n${json}`);
}

/** A stored constant entry as CompiledPlan holds it; throws when it is malformed. */
function storedConstant(c: StoredPlan['constants'][number], count: number): number | TypedArray {
  if (typeof c === 'number') {
    if (!Number.isInteger(c) || c < 0 || c >= count) throw new Error(`bad constant index ${c}`);
    return c;
  }
  const bytes = Buffer.from(c.base64, 'base64');
  const size = Object.hasOwn(DTYPE_BYTES, c.dtype) ? DTYPE_BYTES[c.dtype] : 0;
  if (!size || bytes.length % size !== 0) throw new Error('bad constant data');
  const data = allocBuffer(DTYPE_CODE[c.dtype], bytes.length / size);
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
  return data;
}

const isIndexList = (x: unknown, n: number): x is number[] =>
  Array.isArray(x) && x.every((i) => Number.isInteger(i) && i >= 0 && i < n);

/** The plan stored under `key` for `traced`, with its code linked; null (the file deleted) when any check fails. */
function load(key: string, traced: FuncGraph): CompiledPlan | null {
  const file = planCacheFile(key);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const fail = (): null => {
    rejectCacheFile(file);
    return null;
  };
  const newline = text.indexOf('\n');
  const json = text.slice(newline + 1);
  if (newline !== 64 || text.slice(0, 64) !== createHash('sha256').update(json).digest('hex')) return fail();
  let s: StoredPlan;
  try {
    s = JSON.parse(json) as StoredPlan;
  } catch {
    return fail();
  }
  if (s.format !== FORMAT || s.key !== key || !isIndexList(s.stateOrder, traced.state.length) ||
      s.stateOrder.length !== traced.state.length || new Set(s.stateOrder).size !== s.stateOrder.length ||
      !Array.isArray(s.constants) || !Array.isArray(s.kernels) || !Array.isArray(s.description?.steps)) return fail();
  try {
    const jit = s.description.steps.filter((x) => x.kind === StepKind.jit);
    if (s.kernels.length !== s.description.steps.filter((x) => x.kind === StepKind.kernel).length) return fail();
    const code = s.codeKey === null ? null : loadCached(s.codeKey, (m) => {
      for (const x of jit) m.kernel(x.symbol, { buffers: x.in.length + x.out.length, ints: x.ints.length });
    });
    if (jit.length && !code) return fail();
    let k = 0;
    const steps: ExecutorStep[] = s.description.steps.map((x) =>
      x.kind === StepKind.jit ? { ...x, module: code!.module.handle }
        : x.kind === StepKind.kernel ? { ...x, kernel: kernel(s.kernels[k++]).id } : x);
    const constants = s.constants.map((c) => storedConstant(c, traced.constants.length));
    stats.diskHits++;
    return {
      described: {
        description: { ...s.description, steps }, modules: code ? [code.module] : [], jitSteps: s.jitSteps,
        kernelSteps: s.kernelSteps, codeSource: code?.source ?? null, codeKey: s.codeKey, stepOrigins: s.stepOrigins,
      },
      planSteps: s.planSteps, stateOrder: s.stateOrder, constants,
    };
  } catch {
    return fail();
  }
}

/**
 * The CompiledPlan of the traced graph `traced` (JIT kernels where the CPU lowering handles a step): from the
 * in-process cache, else from the disk cache, else optimized, planned and described (through the code cache),
 * then remembered and saved.
 */
export function compiledPlanFor(traced: FuncGraph): CompiledPlan {
  const fingerprint = graphFingerprint(traced);
  const key = fingerprint === null ? null : graphCacheKey(`${compilerBuildId()}\0${fingerprint}`);
  if (key !== null) {
    const known = plans.get(key);
    if (known) {
      stats.memoryHits++;
      remember(key, known);
      return known;
    }
    const stored = load(key, traced);
    if (stored) {
      remember(key, stored);
      return stored;
    }
  }
  const plan = planGraph(optimize(traced));
  const compiled = compiledPlanOf(plan, describePlan(plan, lowerStep), traced);
  stats.plans++;
  if (key !== null) {
    remember(key, compiled);
    save(key, compiled);
  }
  return compiled;
}

/** A copy of the first-level cache's counters. */
export function planCacheStats(): PlanCacheStats {
  return { ...stats };
}

/** Forgets the in-process plans (not the disk files) and zeroes the counters. */
export function clearPlanCache(): void {
  plans.clear();
  for (const k of Object.keys(stats) as (keyof PlanCacheStats)[]) stats[k] = 0;
}
