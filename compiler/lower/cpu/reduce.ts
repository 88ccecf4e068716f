// The accumulators of fused reductions, by reduction primitive, with the eager kernel's semantics
// (native/rt/kernels/reduce.cc): float sums and products accumulate in double and int32 ones in i64; max/min
// propagate NaN; argMax/argMin return the first extreme index (the first NaN wins).
import type { DType } from '../../../src/core/dtype.js';
import { ELEMENTWISE } from './elementwise.js';
import { literal, llvmType, type Carried, type IRBuilder } from './ir-builder.js';

/** How a reduction folds its input elements into a result. */
export interface Accumulator {
  /** The loop-carried state and its initial value, for input elements of `dtype`. */
  init(dtype: DType): Carried[];
  /** The next state after element `x` at reduced position `j` (i64). */
  step(b: IRBuilder, state: readonly string[], x: string, j: string, dtype: DType): string[];
  /** The output element (of the root's output dtype) from the final state. */
  result(b: IRBuilder, state: readonly string[], dtype: DType): string;
}

const isFloatType = (d: DType): boolean => d === 'float32' || d === 'float64';

/** sum or prod in a wide accumulator: double for floats, i64 for int32. */
function wide(fop: string, iop: string, identity: number): Accumulator {
  return {
    init: (d) => [isFloatType(d) ? { type: 'double', init: literal(identity, 'float64') }
      : { type: 'i64', init: `${identity}` }],
    step: (b, [acc], x, _j, d) => {
      if (!isFloatType(d)) return [b.op(`${iop} i64 ${acc}, ${b.op(`sext i32 ${x} to i64`)}`, 'acc')];
      const wx = d === 'float32' ? b.op(`fpext float ${x} to double`) : x;
      return [b.op(`${fop} double ${acc}, ${wx}`, 'acc')];
    },
    result: (b, [acc], d) => d === 'float64' ? acc
      : d === 'float32' ? b.op(`fptrunc double ${acc} to float`) : b.op(`trunc i64 ${acc} to i32`),
  };
}

/** The identity of max (or min): -inf (+inf) for floats, the smallest (largest) int32. */
function lowest(d: DType, max: boolean): string {
  if (isFloatType(d)) return literal(max ? -Infinity : Infinity, d);
  return max ? '-2147483648' : '2147483647';
}

/** max/min with maximum/minimum's element semantics (NaN propagates). */
function extremum(max: boolean): Accumulator {
  const op = ELEMENTWISE.get(max ? 'maximum' : 'minimum')!;
  return {
    init: (d) => [{ type: llvmType(d), init: lowest(d, max) }],
    step: (b, [acc], x, _j, d) => [op({ b, args: [{ ref: acc, dtype: d }, { ref: x, dtype: d }], out: d, attrs: {} })],
    result: (_b, [acc]) => acc,
  };
}

/** argMax/argMin: the first position whose element beats every earlier one, or the first NaN. */
function argExtremum(max: boolean): Accumulator {
  return {
    init: (d) => [{ type: llvmType(d), init: lowest(d, max) }, { type: 'i64', init: '0' }],
    step: (b, [best, at], x, j, d) => {
      const t = llvmType(d);
      let take: string;
      if (isFloatType(d)) {
        const beats = b.op(`fcmp ${max ? 'ogt' : 'olt'} ${t} ${x}, ${best}`);
        const xNaN = b.op(`fcmp uno ${t} ${x}, ${x}`), bestNaN = b.op(`fcmp uno ${t} ${best}, ${best}`);
        take = b.op(`and i1 ${b.op(`or i1 ${beats}, ${xNaN}`)}, ${b.op(`xor i1 ${bestNaN}, true`)}`);
      } else {
        take = b.op(`icmp ${max ? 'sgt' : 'slt'} ${t} ${x}, ${best}`);
      }
      return [b.op(`select i1 ${take}, ${t} ${x}, ${t} ${best}`, 'best'),
        b.op(`select i1 ${take}, i64 ${j}, i64 ${at}`, 'at')];
    },
    result: (b, [, at]) => b.op(`trunc i64 ${at} to i32`),
  };
}

/** The accumulator of each reduction primitive, by registry name. */
export const REDUCTIONS: ReadonlyMap<string, Accumulator> = new Map<string, Accumulator>([
  ['sum', wide('fadd', 'add', 0)],
  ['prod', wide('fmul', 'mul', 1)],
  ['max', extremum(true)],
  ['min', extremum(false)],
  ['argMax', argExtremum(true)],
  ['argMin', argExtremum(false)],
]);

/** The axes a reduction node reduces (`axes` of sum/prod/max/min, `axis` of argMax/argMin). */
export function reducedAxes(attrs: Record<string, unknown>): number[] {
  return Array.isArray(attrs.axes) ? (attrs.axes as number[]) : [attrs.axis as number];
}
