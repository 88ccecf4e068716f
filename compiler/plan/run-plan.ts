// The reference executor of plans: runs each step's nodes with the registry's eager kernels, but keeps every
// stored intermediate in ONE arena buffer at its planned offset. A plan whose live buffers overlap therefore
// gives wrong numbers here, which is how the memory planner is tested against the interpreter.
import { allocBuffer, releaseBuffer } from '../../src/core/buffers.js';
import type { TypedArray } from '../../src/core/dtype.js';
import { CompileError } from '../../src/core/errors.js';
import { Storage, Tensor, sizeOf } from '../../src/core/tensor.js';
import type { TensorInfo } from '../../src/ops/registry.js';
import type { Value } from '../ir/func-graph.js';
import { fmtType } from '../ir/printer.js';
import { valueBytes } from './liveness.js';
import { ARENA_ALIGN } from './plan-memory.js';
import type { ExecutionPlan } from './plan.js';
import { bindInputs } from '../../runtime/eager/interpreter.js';

/** A tensor over `bytes` of the arena at `offset`. */
function arenaTensor(arena: Uint8Array, offset: number, v: TensorInfo): Tensor {
  const n = sizeOf(v.shape), at = arena.byteOffset + offset, b = arena.buffer;
  const data: TypedArray = v.dtype === 'float32' ? new Float32Array(b, at, n) : v.dtype === 'float64'
    ? new Float64Array(b, at, n) : v.dtype === 'int32' ? new Int32Array(b, at, n) : new Uint8Array(b, at, n);
  const storage = new Storage(data);
  // The executor keeps a reference of its own, so disposing the tensor (tidy) never frees the arena under it.
  storage.refs++;
  return new Tensor(v.shape, v.dtype, storage);
}

function copyInto(dst: Tensor, src: Tensor): Tensor {
  (dst.dataSync() as Float64Array).set(src.dataSync());
  return dst;
}

/** Checks every arena location against the arena's size and alignment, once, before anything runs. */
function checkLocations(plan: ExecutionPlan, op: string): void {
  for (const [v, loc] of plan.memory.locations) {
    if (loc.where !== 'arena') continue;
    if (loc.offset % ARENA_ALIGN !== 0 || loc.offset < 0 || loc.offset + loc.bytes > plan.memory.arenaBytes ||
        loc.bytes !== valueBytes(v))
      throw new CompileError(`${op}: %${v.id} ${fmtType(v)} at arena offset ${loc.offset} (${loc.bytes} bytes) ` +
        `does not fit an arena of ${plan.memory.arenaBytes} bytes`);
  }
}

/**
 * Runs `plan` on `inputs` (one tensor per graph input, of the declared shape and dtype) and returns the
 * graph's outputs. Variables are read when the plan starts and assigned by its state steps.
 */
export function runPlan(plan: ExecutionPlan, inputs: readonly Tensor[]): Tensor[] {
  const { graph, steps, memory } = plan;
  const op = `runPlan @${graph.name}`;
  const env = bindInputs(graph, inputs, op);
  checkLocations(plan, op);
  for (const s of graph.state) env.set(s, graph.variableOf(s).read());
  for (const c of graph.constants) if (c.def.kind === 'constant') env.set(c, c.def.tensor);
  const get = (v: Value, step: number): Tensor => {
    const t = env.get(v);
    if (!t) throw new CompileError(`${op}: step ${step} reads %${v.id}, which no earlier step stored`);
    return t;
  };

  const arena = allocBuffer(3, memory.arenaBytes) as Uint8Array;
  try {
    const store = (v: Value, src: Tensor): void => {
      const loc = memory.locations.get(v);
      if (loc?.where === 'arena') env.set(v, copyInto(arenaTensor(arena, loc.offset, v), src));
      else if (loc?.where === 'output') env.set(v, copyInto(Tensor.alloc(v.shape, v.dtype), src));
      else throw new CompileError(`${op}: %${v.id} is stored ${loc ? `over a graph ${loc.where}` : 'but has no location'}`);
    };
    for (const step of steps) {
      const node = step.nodes[0];
      if (step.kind === 'view') {
        env.set(node.outputs[0], Tensor.view(get(node.inputs[0], step.index), node.outputs[0].shape));
        continue;
      }
      if (step.kind === 'state') {
        const value = get(node.inputs[1], step.index);
        graph.variableOf(node.inputs[0]).assign(copyInto(Tensor.alloc(value.shape, value.dtype), value));
        continue;
      }
      const local = new Map<Value, Tensor>();
      const outside = new Set<Tensor>();
      for (const n of step.nodes) {
        const args = n.inputs.map((v) => local.get(v) ?? get(v, step.index));
        for (const [k, v] of n.inputs.entries()) if (!local.has(v)) outside.add(args[k]);
        n.prim.eager(args, n.attrs, n.outputs).forEach((t, k) => local.set(n.outputs[k], t));
      }
      // Stores come after every read, as in a fused loop, where element i of each output is written after
      // element i of its inputs was read (which is what makes in-place outputs legal).
      for (const v of step.outputs) store(v, local.get(v)!);
      for (const t of local.values()) if (!outside.has(t)) t.dispose();
    }
    return graph.outputs.map((v) => get(v, steps.length));
  } finally {
    for (const [v, t] of env) if (memory.locations.get(v)?.where === 'arena') t.dispose();
    releaseBuffer(arena);
  }
}
