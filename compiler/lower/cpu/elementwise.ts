// The scalar CPU lowering of every elementwise primitive, in ONE table looked up by primitive name: given the
// operands' SSA values (one element each) it emits LLVM instructions computing one output element, with the
// same semantics as the eager kernels of native/rt/kernels/elementwise.cc (NaN propagation of maximum and
// minimum, integer division by 0 giving 0, floor modulo, sigmoid without overflow, ...).
import type { DType } from '../../../src/core/dtype.js';
import { CompileError } from '../../../src/core/errors.js';
import type { Attrs } from '../../../src/ops/registry.js';
import { literal, llvmType, type IRBuilder } from './ir-builder.js';

/** One operand of a scalar lowering: an SSA value (or constant) and its dtype. */
export interface ScalarOperand {
  readonly ref: string;
  readonly dtype: DType;
}

/** What a scalar lowering gets: the builder, its operands, the output dtype and the node's attributes. */
export interface ScalarContext {
  readonly b: IRBuilder;
  readonly args: readonly ScalarOperand[];
  readonly out: DType;
  readonly attrs: Attrs;
}

/** Emits one output element's computation and returns its SSA value. */
export type ScalarLowering = (ctx: ScalarContext) => string;

const isFloatType = (d: DType): boolean => d === 'float32' || d === 'float64';
const suffix = (d: DType): string => (d === 'float32' ? 'f32' : 'f64');

/** Calls the LLVM intrinsic `llvm.<name>.f32|f64` on float operands. */
function intrinsic(b: IRBuilder, name: string, dtype: DType, args: readonly string[]): string {
  const t = llvmType(dtype);
  b.declare(`declare ${t} @llvm.${name}.${suffix(dtype)}(${args.map(() => t).join(', ')})`);
  return b.op(`call ${t} @llvm.${name}.${suffix(dtype)}(${args.map((a) => `${t} ${a}`).join(', ')})`);
}

/** Calls the C library function `name` (float variant `namef`), resolved from the process by the JIT. */
function libm(b: IRBuilder, name: string, dtype: DType, x: string): string {
  const t = llvmType(dtype), fn = dtype === 'float32' ? `${name}f` : name;
  b.declare(`declare ${t} @${fn}(${t})`);
  return b.op(`call ${t} @${fn}(${t} ${x})`);
}

/** i1 → i8 (a bool element). */
const toBool = (b: IRBuilder, bit: string): string => b.op(`zext i1 ${bit} to i8`, 'bool');
/** A bool element (i8, any nonzero is true) → i1. */
const truth = (b: IRBuilder, x: string): string => b.op(`icmp ne i8 ${x}, 0`, 'truth');

/** One unary map: separate forms for float and integer element types where they differ. */
function unary(float: ((b: IRBuilder, x: string, d: DType) => string) | null,
               int: ((b: IRBuilder, x: string, d: DType) => string) | null = null): ScalarLowering {
  return ({ b, args: [x] }) => {
    const f = isFloatType(x.dtype) ? float : int;
    if (!f) throw new CompileError(`no ${x.dtype} form of this elementwise lowering`);
    return f(b, x.ref, x.dtype);
  };
}

/** One binary op: `fop` for floats, `iop` for int32 (and bool, where the op allows it). */
function arith(fop: string, iop: string): ScalarLowering {
  return ({ b, args: [x, y] }) =>
    b.op(`${isFloatType(x.dtype) ? fop : iop} ${llvmType(x.dtype)} ${x.ref}, ${y.ref}`);
}

/** A comparison giving a bool: fcmp (ordered, or une for !=) or icmp (signed for int32, unsigned for bool). */
function compare(fpred: string, spred: string, upred: string): ScalarLowering {
  return ({ b, args: [x, y] }) => {
    const t = llvmType(x.dtype);
    const cmp = isFloatType(x.dtype) ? `fcmp ${fpred}` : `icmp ${x.dtype === 'bool' ? upred : spred}`;
    return toBool(b, b.op(`${cmp} ${t} ${x.ref}, ${y.ref}`, 'cmp'));
  };
}

/** maximum/minimum: a where a wins the comparison or a is NaN, else b (NaN in either propagates). */
function extremum(fpred: string, ipred: string): ScalarLowering {
  return ({ b, args: [x, y] }) => {
    const t = llvmType(x.dtype);
    let pick: string;
    if (isFloatType(x.dtype)) {
      const wins = b.op(`fcmp ${fpred} ${t} ${x.ref}, ${y.ref}`, 'cmp');
      const nan = b.op(`fcmp uno ${t} ${x.ref}, ${x.ref}`, 'nan');
      pick = b.op(`or i1 ${wins}, ${nan}`);
    } else {
      pick = b.op(`icmp ${ipred} ${t} ${x.ref}, ${y.ref}`, 'cmp');
    }
    return b.op(`select i1 ${pick}, ${t} ${x.ref}, ${t} ${y.ref}`);
  };
}

/** An int32 divisor that cannot trap (0 and -1 are replaced by 1; their results are chosen separately). */
function safeDivisor(b: IRBuilder, y: string): { zero: string; minusOne: string; d: string } {
  const zero = b.op(`icmp eq i32 ${y}, 0`, 'zero');
  const minusOne = b.op(`icmp eq i32 ${y}, -1`, 'm1');
  const special = b.op(`or i1 ${zero}, ${minusOne}`);
  return { zero, minusOne, d: b.op(`select i1 ${special}, i32 1, i32 ${y}`, 'd') };
}

/** True when a and b have different signs (a < 0 != b < 0). */
function signsDiffer(b: IRBuilder, a: string, y: string, d: DType): string {
  const t = llvmType(d);
  const [na, ny] = isFloatType(d)
    ? [b.op(`fcmp olt ${t} ${a}, 0.0`), b.op(`fcmp olt ${t} ${y}, 0.0`)]
    : [b.op(`icmp slt ${t} ${a}, 0`), b.op(`icmp slt ${t} ${y}, 0`)];
  return b.op(`xor i1 ${na}, ${ny}`);
}

const div: ScalarLowering = ({ b, args: [x, y] }) => {
  if (isFloatType(x.dtype)) return b.op(`fdiv ${llvmType(x.dtype)} ${x.ref}, ${y.ref}`);
  const { zero, minusOne, d } = safeDivisor(b, y.ref);
  const q = b.op(`sdiv i32 ${x.ref}, ${d}`, 'q');
  const negated = b.op(`sub i32 0, ${x.ref}`);
  const r = b.op(`select i1 ${minusOne}, i32 ${negated}, i32 ${q}`);
  return b.op(`select i1 ${zero}, i32 0, i32 ${r}`);
};

// Floor modulo: the remainder takes the divisor's sign (Python, NumPy).
const mod: ScalarLowering = ({ b, args: [x, y] }) => {
  const t = llvmType(x.dtype);
  if (isFloatType(x.dtype)) {
    const r = b.op(`frem ${t} ${x.ref}, ${y.ref}`, 'r');
    const nonzero = b.op(`fcmp une ${t} ${r}, 0.0`);
    const fix = b.op(`and i1 ${nonzero}, ${signsDiffer(b, r, y.ref, x.dtype)}`);
    return b.op(`select i1 ${fix}, ${t} ${b.op(`fadd ${t} ${r}, ${y.ref}`)}, ${t} ${r}`);
  }
  const { zero, minusOne, d } = safeDivisor(b, y.ref);
  const r = b.op(`srem i32 ${x.ref}, ${d}`, 'r');
  const nonzero = b.op(`icmp ne i32 ${r}, 0`);
  const fix = b.op(`and i1 ${nonzero}, ${signsDiffer(b, r, y.ref, x.dtype)}`);
  const fixed = b.op(`select i1 ${fix}, i32 ${b.op(`add i32 ${r}, ${y.ref}`)}, i32 ${r}`);
  return b.op(`select i1 ${b.op(`or i1 ${zero}, ${minusOne}`)}, i32 0, i32 ${fixed}`);
};

const floorDiv: ScalarLowering = ({ b, args: [x, y] }) => {
  if (isFloatType(x.dtype))
    return intrinsic(b, 'floor', x.dtype, [b.op(`fdiv ${llvmType(x.dtype)} ${x.ref}, ${y.ref}`)]);
  const { zero, minusOne, d } = safeDivisor(b, y.ref);
  const q = b.op(`sdiv i32 ${x.ref}, ${d}`, 'q');
  const inexact = b.op(`icmp ne i32 ${b.op(`mul i32 ${q}, ${d}`)}, ${x.ref}`);
  const fix = b.op(`and i1 ${inexact}, ${signsDiffer(b, x.ref, y.ref, x.dtype)}`);
  const floored = b.op(`select i1 ${fix}, i32 ${b.op(`sub i32 ${q}, 1`)}, i32 ${q}`);
  const r = b.op(`select i1 ${minusOne}, i32 ${b.op(`sub i32 0, ${x.ref}`)}, i32 ${floored}`);
  return b.op(`select i1 ${zero}, i32 0, i32 ${r}`);
};

// Integer power by squaring in a module helper (a loop); negative exponents as the eager kernel: 1, ±1 or 0.
const IPOW = `define internal i32 @kiln_ipow(i32 %a, i32 %e) {
entry:
  %neg = icmp slt i32 %e, 0
  br i1 %neg, label %negative, label %loop
negative:
  %one = icmp eq i32 %a, 1
  %m1 = icmp eq i32 %a, -1
  %odd.bit = and i32 %e, 1
  %odd = icmp ne i32 %odd.bit, 0
  %pm = select i1 %odd, i32 -1, i32 1
  %r1 = select i1 %m1, i32 %pm, i32 0
  %rn = select i1 %one, i32 1, i32 %r1
  ret i32 %rn
loop:
  %r = phi i32 [ 1, %entry ], [ %r.next, %loop ]
  %b = phi i32 [ %a, %entry ], [ %b.next, %loop ]
  %k = phi i32 [ %e, %entry ], [ %k.next, %loop ]
  %done = icmp eq i32 %k, 0
  %lsb = and i32 %k, 1
  %take = icmp ne i32 %lsb, 0
  %rb = mul i32 %r, %b
  %r.next = select i1 %take, i32 %rb, i32 %r
  %b.next = mul i32 %b, %b
  %k.next = lshr i32 %k, 1
  br i1 %done, label %exit, label %loop
exit:
  ret i32 %r
}`;

const pow: ScalarLowering = ({ b, args: [x, y] }) => {
  if (isFloatType(x.dtype)) return intrinsic(b, 'pow', x.dtype, [x.ref, y.ref]);
  b.helper('kiln_ipow', () => IPOW);
  return b.op(`call i32 @kiln_ipow(i32 ${x.ref}, i32 ${y.ref})`);
};

// sigmoid as the eager kernel: 1/(1+e^-x) for x ≥ 0, e^x/(1+e^x) below, both from e = exp(-|x|).
const sigmoid = unary((b, x, d) => {
  const t = llvmType(d);
  const e = intrinsic(b, 'exp', d, [b.op(`fneg ${t} ${intrinsic(b, 'fabs', d, [x])}`)]);
  const den = b.op(`fadd ${t} 1.0, ${e}`);
  const pos = b.op(`fdiv ${t} 1.0, ${den}`), neg = b.op(`fdiv ${t} ${e}, ${den}`);
  return b.op(`select i1 ${b.op(`fcmp oge ${t} ${x}, 0.0`)}, ${t} ${pos}, ${t} ${neg}`);
});

const sign = unary(
  (b, x, d) => {
    const t = llvmType(d);
    const lt = b.op(`select i1 ${b.op(`fcmp olt ${t} ${x}, 0.0`)}, ${t} -1.0, ${t} 0.0`);
    return b.op(`select i1 ${b.op(`fcmp ogt ${t} ${x}, 0.0`)}, ${t} 1.0, ${t} ${lt}`);
  },
  (b, x) => {
    const lt = b.op(`select i1 ${b.op(`icmp slt i32 ${x}, 0`)}, i32 -1, i32 0`);
    return b.op(`select i1 ${b.op(`icmp sgt i32 ${x}, 0`)}, i32 1, i32 ${lt}`);
  },
);

/** Converts one element between dtypes as the eager cast: float→int truncates, nonzero (and NaN) → true. */
function convert(b: IRBuilder, x: string, from: DType, to: DType): string {
  if (from === to) return x;
  const [tf, tt] = [llvmType(from), llvmType(to)];
  if (to === 'bool')
    return toBool(b, b.op(isFloatType(from) ? `fcmp une ${tf} ${x}, 0.0` : `icmp ne ${tf} ${x}, 0`));
  if (from === 'bool') return b.op(isFloatType(to) ? `uitofp i8 ${x} to ${tt}` : `zext i8 ${x} to ${tt}`);
  if (isFloatType(from) && isFloatType(to))
    return b.op(`${from === 'float32' ? 'fpext' : 'fptrunc'} ${tf} ${x} to ${tt}`);
  if (isFloatType(to)) return b.op(`sitofp ${tf} ${x} to ${tt}`);
  // NaN and values outside int32 give INT_MIN, as the eager kernel's x86 conversion does (a plain fptosi would
  // be LLVM poison there).
  const fn = `llvm.fptosi.sat.i32.${suffix(from)}`;
  b.declare(`declare i32 @${fn}(${tf})`);
  const inRange = b.op(`fcmp olt ${tf} ${intrinsic(b, 'fabs', from, [x])}, ${literal(2 ** 31, from)}`);
  return b.op(`select i1 ${inRange}, i32 ${b.op(`call i32 @${fn}(${tf} ${x})`)}, i32 -2147483648`);
}

/** The identity: the value itself (broadcasts are done by the operand's indexing). */
const identity: ScalarLowering = ({ args: [x] }) => x.ref;

/**
 * The CPU lowering of each elementwise primitive, by registry name. `broadcastTo` is a movement primitive that
 * fusion treats as an index map: inside a loop it is the identity on the element its operand indexing reads.
 */
export const ELEMENTWISE: ReadonlyMap<string, ScalarLowering> = new Map<string, ScalarLowering>([
  ['neg', unary((b, x, d) => b.op(`fneg ${llvmType(d)} ${x}`), (b, x) => b.op(`sub i32 0, ${x}`))],
  ['abs', unary((b, x, d) => intrinsic(b, 'fabs', d, [x]),
    (b, x) => b.op(`select i1 ${b.op(`icmp slt i32 ${x}, 0`)}, i32 ${b.op(`sub i32 0, ${x}`)}, i32 ${x}`))],
  ['sign', sign],
  ['square', unary((b, x, d) => b.op(`fmul ${llvmType(d)} ${x}, ${x}`), (b, x) => b.op(`mul i32 ${x}, ${x}`))],
  ['relu', unary(
    (b, x, d) => {
      const t = llvmType(d);
      return b.op(`select i1 ${b.op(`fcmp ogt ${t} ${x}, 0.0`)}, ${t} ${x}, ${t} 0.0`);
    },
    (b, x) => b.op(`select i1 ${b.op(`icmp sgt i32 ${x}, 0`)}, i32 ${x}, i32 0`))],
  ['exp', unary((b, x, d) => intrinsic(b, 'exp', d, [x]))],
  ['log', unary((b, x, d) => intrinsic(b, 'log', d, [x]))],
  ['log1p', unary((b, x, d) => libm(b, 'log1p', d, x))],
  ['expm1', unary((b, x, d) => libm(b, 'expm1', d, x))],
  ['sqrt', unary((b, x, d) => intrinsic(b, 'sqrt', d, [x]))],
  ['rsqrt', unary((b, x, d) => b.op(`fdiv ${llvmType(d)} 1.0, ${intrinsic(b, 'sqrt', d, [x])}`))],
  ['reciprocal', unary((b, x, d) => b.op(`fdiv ${llvmType(d)} 1.0, ${x}`))],
  ['tanh', unary((b, x, d) => libm(b, 'tanh', d, x))],
  ['sigmoid', sigmoid],
  ['sin', unary((b, x, d) => intrinsic(b, 'sin', d, [x]))],
  ['cos', unary((b, x, d) => intrinsic(b, 'cos', d, [x]))],
  ['erf', unary((b, x, d) => libm(b, 'erf', d, x))],
  ['floor', unary((b, x, d) => intrinsic(b, 'floor', d, [x]))],
  ['ceil', unary((b, x, d) => intrinsic(b, 'ceil', d, [x]))],
  // Half to even in the default rounding mode, as std::nearbyint.
  ['round', unary((b, x, d) => intrinsic(b, 'nearbyint', d, [x]))],
  ['logicalNot', ({ b, args: [x] }) => toBool(b, b.op(`icmp eq i8 ${x.ref}, 0`, 'not'))],
  ['isNaN', unary((b, x, d) => toBool(b, b.op(`fcmp uno ${llvmType(d)} ${x}, ${x}`, 'nan')))],
  ['isFinite', unary((b, x, d) =>
    toBool(b, b.op(`fcmp olt ${llvmType(d)} ${intrinsic(b, 'fabs', d, [x])}, ${literal(Infinity, d)}`, 'fin')))],
  ['add', arith('fadd', 'add')],
  ['sub', arith('fsub', 'sub')],
  ['mul', arith('fmul', 'mul')],
  ['div', div],
  ['pow', pow],
  ['maximum', extremum('ogt', 'sgt')],
  ['minimum', extremum('olt', 'slt')],
  ['mod', mod],
  ['floorDiv', floorDiv],
  ['equal', compare('oeq', 'eq', 'eq')],
  ['notEqual', compare('une', 'ne', 'ne')],
  ['less', compare('olt', 'slt', 'ult')],
  ['lessEqual', compare('ole', 'sle', 'ule')],
  ['greater', compare('ogt', 'sgt', 'ugt')],
  ['greaterEqual', compare('oge', 'sge', 'uge')],
  ['logicalAnd', ({ b, args: [x, y] }) => toBool(b, b.op(`and i1 ${truth(b, x.ref)}, ${truth(b, y.ref)}`))],
  ['logicalOr', ({ b, args: [x, y] }) => toBool(b, b.op(`or i1 ${truth(b, x.ref)}, ${truth(b, y.ref)}`))],
  ['select', ({ b, args: [c, x, y] }) => {
    const t = llvmType(x.dtype);
    return b.op(`select i1 ${truth(b, c.ref)}, ${t} ${x.ref}, ${t} ${y.ref}`);
  }],
  ['cast', ({ b, args: [x], out }) => convert(b, x.ref, x.dtype, out)],
  ['stopGradient', identity],
  ['broadcastTo', identity],
]);
