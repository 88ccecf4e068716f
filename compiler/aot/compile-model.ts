// kiln.compileModel: a model's inference function compiled offline into a standalone artifact directory
// (lib<name>.so, <name>.h, weights.bin, manifest.json) that runs with no Node and no compiler. Per batch size the
// predict function is traced, optimized, planned and described as kiln.jit's native path does, but not
// JIT-compiled (the artifact never runs that code): the plans' fused kernels go through LLVM into one object file,
// the plans themselves into a generated C wrapper, and the system compiler links both with the artifact runtime.
//
// Batch sizes: `batch: N` compiles one plan and runs exactly N rows. `maxBatch: N` compiles plans for every
// power of two below N and for N itself; a run of b rows (1 <= b <= N) is split, largest plan first, into runs
// of those sizes over consecutive row slices of the caller's buffers (b = 100 runs plans 64 + 32 + 4): no padding,
// no copies, and every plan's arena is planned ahead. Rows must not interact (true of inference-mode layers).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DTYPE_CODE } from '../../src/core/dtype.js';
import { CompileError } from '../../src/core/errors.js';
import { emitObject, hostInfo } from '../../src/core/jit-native.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { Variable } from '../../src/core/variable.js';
import type { Model } from '../../src/engine/model.js';
import { Functional } from '../../src/engine/functional.js';
import { trace } from '../trace/trace.js';
import { optimize } from '../passes/pipeline.js';
import { planGraph } from '../plan/make-plan.js';
import { linkKernels } from '../lower/cpu/link-kernels.js';
import { lowerStep, type LoweredKernel } from '../lower/cpu/lower-step.js';
import { describePlan } from '../../runtime/executable/describe-plan.js';
import { kilnVersion } from '../../runtime/executable/code-cache.js';
import { artifactAddon } from '../../runtime/artifact/artifact-native.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type TensorInfo } from '../../runtime/artifact/manifest.js';
import { encodeWeights, fnv1a32, weightsDataStart } from '../../runtime/artifact/weights-file.js';
import { headerSource, wrapperSource, type BakedPlan } from './c-source.js';
import { modelInputs, printableName } from './input-specs.js';
import { linkLibrary, neededLibraries } from './link-library.js';

/** Options of compileModel. */
export interface CompileModelOptions {
  /** The artifact directory (created if missing; existing artifact files are replaced). */
  outDir: string;
  /** Compile for exactly this many rows per run. Give batch or maxBatch (default maxBatch 32). */
  batch?: number;
  /** Compile for runs of 1..maxBatch rows. */
  maxBatch?: number;
  /** The C symbol prefix and library name (lib<name>.so); default: the model's name made a C identifier. */
  name?: string;
  /** Only 'cpu' (this host's CPU: the code uses every vector extension LLVM finds here). */
  target?: 'cpu';
  /** Per-row input shapes, for a model that declares no input (float32 inputs). */
  inputShapes?: readonly (readonly number[])[];
}

/** What compileModel wrote. */
export interface CompiledArtifact {
  readonly dir: string;
  readonly manifest: Manifest;
  /** Plan steps run as compiled kernels / as registry kernels, summed over the plans. */
  readonly jitSteps: number;
  readonly kernelSteps: number;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function positive(op: string, what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new CompileError(`${op}: ${what} must be a positive integer, got ${n}`);
  return n;
}

/** The batch sizes to compile, largest first. */
export function planBatches(maxBatch: number, fixed: boolean): number[] {
  if (fixed) return [maxBatch];
  const sizes = new Set([maxBatch]);
  for (let b = 1; b < maxBatch; b *= 2) sizes.add(b);
  return [...sizes].sort((a, b) => b - a);
}

function bytesOf(t: Tensor): Uint8Array {
  const data = t.dataSync();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/** Compiles `model`'s inference function (training: false) into the artifact directory `options.outDir`. */
export function compileModel(model: Model, options: CompileModelOptions): CompiledArtifact {
  const op = `compileModel "${model.name}"`;
  if (options.target !== undefined && options.target !== 'cpu')
    throw new CompileError(`${op}: target must be "cpu", got ${JSON.stringify(options.target)}`);
  if (options.batch !== undefined && options.maxBatch !== undefined)
    throw new CompileError(`${op}: give batch or maxBatch, not both`);
  const fixed = options.batch !== undefined;
  const maxBatch = positive(op, fixed ? 'batch' : 'maxBatch', options.batch ?? options.maxBatch ?? 32);
  const name = options.name ?? model.name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new CompileError(`${op}: name must be a C identifier, got "${name}"`);
  const inputs = modelInputs(op, model, options.inputShapes);
  for (const x of inputs)
    if (x.dtype !== 'float32') throw new CompileError(`${op}: input "${x.name}" is ${x.dtype}; artifacts take float32 inputs`);

  const predict = (...xs: Tensor[]): Tensor | Tensor[] =>
    model.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as Tensor | Tensor[];
  const weightIndex = new Map<Variable | Tensor, number>();
  const weightData: { data: Uint8Array; dtype: number; name: string }[] = [];
  const weightOf = (key: Variable | Tensor, value: Tensor, label: string): number => {
    let i = weightIndex.get(key);
    if (i === undefined) {
      i = weightData.length;
      weightData.push({ data: bytesOf(value), dtype: DTYPE_CODE[value.dtype], name: label });
      weightIndex.set(key, i);
    }
    return i;
  };
  const kernels: LoweredKernel[] = [];
  const plans: BakedPlan[] = [];
  let outputs: TensorInfo[] = [];
  let jitSteps = 0, kernelSteps = 0;
  for (const batch of planBatches(maxBatch, fixed)) {
    const traced = trace(predict, inputs.map((x) => ({ shape: [batch, ...x.shape], dtype: x.dtype })),
      { name: `${name}_b${batch}` });
    if (traced.nodes.some((n) => n.prim.kind === 'random'))
      throw new CompileError(`${op}: the inference function draws random numbers; artifacts must be deterministic`);
    const plan = planGraph(optimize(traced));
    const { graph } = plan;
    const described = describePlan(plan, (step, p) => {
      const k = lowerStep(step, p);
      if (k) kernels.push(k);
      return k;
    }, { compile: false });
    const d = described.description;
    if (d.assigned.some((a) => a !== 0)) throw new CompileError(`${op}: the inference function assigns variables`);
    const names = model instanceof Functional ? model.outputNames : [];
    outputs = graph.outputs.map((v, i) => {
      if (v.dtype !== 'float32') throw new CompileError(`${op}: output ${i} is ${v.dtype}; artifacts give float32 outputs`);
      return { name: printableName(names[i] ?? `output_${i}`, `output_${i}`), shape: [fixed ? batch : null, ...v.shape.slice(1)],
        dtype: v.dtype };
    });
    plans.push({
      batch, description: d,
      stateWeights: graph.state.map((s) => {
        const variable = graph.variableOf(s);
        return weightOf(variable, variable.read(), variable.name);
      }),
      constantWeights: graph.constants.map((c, i) => {
        if (c.def.kind !== 'constant') throw new CompileError(`${op}: constant %${c.id} has no value`);
        return weightOf(c.def.tensor, c.def.tensor, `${graph.name}/constant_${i}`);
      }),
    });
    jitSteps += described.jitSteps;
    kernelSteps += described.kernelSteps;
  }

  const dir = resolve(options.outDir);
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.kiln-compile-'));
  try {
    const { file: weightsFile, entries } = encodeWeights(weightData);
    const baked = {
      name, kilnVersion: kilnVersion(), maxBatch, fixedBatch: fixed,
      inputs: inputs.map((x): TensorInfo => ({ name: x.name, shape: [fixed ? maxBatch : null, ...x.shape], dtype: x.dtype })),
      outputs, weights: entries, weightsFnv1a: fnv1a32(weightsFile.subarray(weightsDataStart(entries.length))),
      plans, kernelName: (id: number) => artifactAddon.kernelName(id),
    };
    const header = join(work, `${name}.h`), wrapper = join(work, 'wrapper.c'), object = join(work, 'kernels.o');
    const lib = join(work, `lib${name}.so`);
    writeFileSync(header, headerSource(baked));
    writeFileSync(wrapper, wrapperSource(baked, kernels.map((k) => k.symbol)));
    emitObject(kernels.length ? linkKernels(kernels) : '', object);
    linkLibrary(name, wrapper, object, work, lib, work);
    const libBytes = readFileSync(lib);
    const host = hostInfo();
    const manifest: Manifest = {
      format: MANIFEST_FORMAT, formatVersion: MANIFEST_VERSION, kilnVersion: baked.kilnVersion, name,
      target: { triple: host.triple, cpu: host.targetCpu, features: host.targetFeatures },
      library: { file: `lib${name}.so`, bytes: libBytes.length, sha256: sha256(libBytes) },
      header: `${name}.h`,
      weights: { file: 'weights.bin', bytes: weightsFile.length, sha256: sha256(weightsFile),
        entries: entries.map((e, i) => ({ name: weightData[i].name, ...e })) },
      batch: { max: maxBatch, fixed, plans: plans.map((p) => p.batch) },
      inputs: baked.inputs, outputs,
      runtimeDeps: neededLibraries(lib),
    };
    writeFileSync(join(work, 'weights.bin'), weightsFile);
    writeFileSync(join(work, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // Each file lands by rename; the manifest last, so a reader never pairs a new manifest with old files.
    for (const f of [`lib${name}.so`, `${name}.h`, 'weights.bin', 'manifest.json']) renameSync(join(work, f), join(dir, f));
    return { dir, manifest, jitSteps, kernelSteps };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
