// kiln.jit: traces a function once per input signature (shapes and dtypes of its tensor arguments), caches
// the graph with its executable, and runs that on every later call with the same signature.
import { ValueError } from '../../src/core/errors.js';
import { Tensor } from '../../src/core/tensor.js';
import { Variable } from '../../src/core/variable.js';
import { isTapeRecording, isTracing } from '../../src/ops/dispatch.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import type { FuncGraph, OutputStructure } from '../ir/func-graph.js';
import { fmtType } from '../ir/printer.js';
import { sameShape } from '../../src/ops/shape-utils.js';
import { trace, type TraceOutput } from '../trace/trace.js';
import { compilePlanned } from '../../runtime/executable/compile-plan.js';
import { interpretGraph, type Compile, type Executable } from './executable.js';

/** Options of jit(). */
export interface JitOptions {
  /** Name of the traced graphs (default: the function's name, else "jit"). */
  name?: string;
  /**
   * How a traced graph becomes runnable: 'plan' (default) optimizes and plans it and runs it on the native plan
   * executor, one native call per run; 'interpret' runs it node by node with the eager kernels (the reference,
   * for debugging); or a Compile function.
   */
  compile?: 'plan' | 'interpret' | Compile;
}

// Every registry primitive runs in a plan (a kernelCall or a CPU lowering; test/compiler/jit-parity checks them
// all), so no graph needs a fallback. Only calls need one: see `call` in jit().
function compilerOf(name: string, compile: JitOptions['compile']): Compile {
  if (compile === undefined || compile === 'plan') return compilePlanned;
  if (compile === 'interpret') return interpretGraph;
  if (typeof compile === 'function') return compile;
  throw new ValueError(`jit @${name}: compile must be 'plan', 'interpret' or a function, got ` +
    JSON.stringify(compile));
}

/** A jitted function: call it like the original; it also exposes its cache of traced graphs. */
export interface JitFunction<R extends TraceOutput> {
  (...args: Tensor[]): R;
  /** Number of input signatures traced so far. */
  readonly cacheSize: number;
  /** The traced graphs, one per signature, in tracing order. */
  readonly graphs: readonly FuncGraph[];
}

interface CacheEntry {
  graph: FuncGraph;
  /** Compiled at the first call that runs it (not at a call that inlines it). */
  executable: Executable | null;
}

/** True when `args` have the shapes and dtypes of `graph`'s inputs (the signature it was traced with). */
function sameSignature(graph: FuncGraph, args: readonly Tensor[]): boolean {
  const inputs = graph.inputs;
  if (inputs.length !== args.length) return false;
  for (let i = 0; i < args.length; i++) {
    const v = inputs[i], a = args[i];
    if (v.dtype !== a.dtype || !sameShape(v.shape, a.shape)) return false;
  }
  return true;
}

function rebuild(structure: OutputStructure, outs: Tensor[]): TraceOutput {
  if (structure.kind === 'tensor') return outs[0];
  if (structure.kind === 'array') return outs;
  return Object.fromEntries(structure.keys.map((k, i) => [k, outs[i]]));
}

/**
 * Compiles `fn` (like tf.function / jax.jit). The first call with a new signature traces `fn` on symbolic
 * tensors and compiles the graph (by default onto the native plan executor); every call runs the cached graph.
 * Variables `fn` reads or assigns are graph state: after a call they hold what eager execution would have left
 * in them. Called while tracing, or while a GradientTape records, it runs the graph op by op through dispatch, so
 * the enclosing trace inlines it and tapes differentiate it. `fn` must return a Tensor, an array or a record of
 * Tensors, and must not read tensor values on the host (TraceError). Use valueAndGrad inside `fn` for gradients.
 */
export function jit<R extends TraceOutput>(fn: (...args: Tensor[]) => R, options: JitOptions = {}): JitFunction<R> {
  const name = options.name ?? (fn.name || 'jit');
  const compile = compilerOf(name, options.compile);
  const cache = new Map<string, CacheEntry>();
  let last: CacheEntry | null = null;
  const call = (...args: Tensor[]): R => {
    args.forEach((a: unknown, i) => {
      if (!(a instanceof Tensor))
        throw new ValueError(`jit @${name}: argument ${i} must be a Tensor, got ` +
          (a instanceof Variable ? `Variable "${a.name}" (use it inside the function instead: it becomes graph state)`
            : a === null ? 'null' : typeof a));
    });
    // The signature of the last call is checked in place: building the key string costs more than the compare,
    // and a train loop calls with one signature over and over.
    let entry = last && sameSignature(last.graph, args) ? last : undefined;
    const key = entry ? '' : args.map(fmtType).join(',');
    entry ??= cache.get(key);
    if (!entry) {
      const graph = trace(fn, args.map((a) => ({ shape: a.shape, dtype: a.dtype })), { name });
      entry = { graph, executable: null };
      cache.set(key, entry);
    }
    // Inside an enclosing trace the graph must be inlined, and under a recording GradientTape its ops must reach
    // the tape: the interpreter runs it through dispatch, which does both. Other calls run the executable.
    if (isTracing() || isTapeRecording()) return rebuild(entry.graph.structure, interpret(entry.graph, args)) as R;
    last = entry;
    entry.executable ??= compile(entry.graph);
    return rebuild(entry.graph.structure, entry.executable.run(args)) as R;
  };
  return Object.defineProperties(call, {
    cacheSize: { get: () => cache.size },
    graphs: { get: () => [...cache.values()].map((e) => e.graph) },
  }) as JitFunction<R>;
}
