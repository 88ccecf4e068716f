// Elementwise unary primitives: one record each (dtype rule, gradient in ops, native kernel of the same name).
import type { DType } from '../../core/dtype.js';
import type { Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive, type Primitive, type TensorInfo } from '../registry.js';
import { FLOATS, NUMERIC, expectDtype } from '../shape-utils.js';
import { add, div, mul, sub, greater } from './binary.js';
import { cast } from './cast.js';

type UnaryGrad = (x: Tensor, y: Tensor, dy: Tensor) => Tensor | null;

function defineUnary(name: string, dtypes: readonly DType[], grad: UnaryGrad | null,
                     outDtype?: DType): Primitive {
  return definePrimitive({
    name,
    kind: 'elementwise',
    infer: ([x]: readonly TensorInfo[]) => {
      expectDtype(name, 'input', x.dtype, dtypes);
      return [{ shape: x.shape, dtype: outDtype ?? x.dtype }];
    },
    grad: grad ? ([x], [y], [dy]) => [grad(x, y, dy)] : undefined,
    kernelCall: () => ({ kernel: name, args: [] }),
  });
}

const unaryOp = (p: Primitive) => (x: OpInput): Tensor => apply1(p, [toTensor(x)], {});

const pNeg = defineUnary('neg', NUMERIC, (_x, _y, dy) => neg(dy));
const pAbs = defineUnary('abs', NUMERIC, (x, _y, dy) => mul(dy, sign(x)));
const pSign = defineUnary('sign', NUMERIC, null);
const pSquare = defineUnary('square', NUMERIC, (x, _y, dy) => mul(dy, mul(x, 2)));
const pRelu = defineUnary('relu', NUMERIC, (x, _y, dy) => mul(dy, cast(greater(x, 0), dy.dtype)));
const pExp = defineUnary('exp', FLOATS, (_x, y, dy) => mul(dy, y));
const pLog = defineUnary('log', FLOATS, (x, _y, dy) => div(dy, x));
const pLog1p = defineUnary('log1p', FLOATS, (x, _y, dy) => div(dy, add(x, 1)));
const pExpm1 = defineUnary('expm1', FLOATS, (_x, y, dy) => mul(dy, add(y, 1)));
const pSqrt = defineUnary('sqrt', FLOATS, (_x, y, dy) => div(dy, mul(y, 2)));
const pRsqrt = defineUnary('rsqrt', FLOATS, (x, y, dy) => mul(dy, mul(div(y, x), -0.5)));
const pReciprocal = defineUnary('reciprocal', FLOATS, (_x, y, dy) => neg(mul(dy, square(y))));
const pTanh = defineUnary('tanh', FLOATS, (_x, y, dy) => mul(dy, sub(1, square(y))));
const pSigmoid = defineUnary('sigmoid', FLOATS, (_x, y, dy) => mul(dy, mul(y, sub(1, y))));
const pSin = defineUnary('sin', FLOATS, (x, _y, dy) => mul(dy, cos(x)));
const pCos = defineUnary('cos', FLOATS, (x, _y, dy) => neg(mul(dy, sin(x))));
const pErf = defineUnary('erf', FLOATS, (x, _y, dy) => mul(dy, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))));
const pFloor = defineUnary('floor', FLOATS, null);
const pCeil = defineUnary('ceil', FLOATS, null);
const pRound = defineUnary('round', FLOATS, null);
const pLogicalNot = defineUnary('logicalNot', ['bool'], null);
const pIsNaN = defineUnary('isNaN', FLOATS, null, 'bool');
const pIsFinite = defineUnary('isFinite', FLOATS, null, 'bool');

/** -x */
export const neg = unaryOp(pNeg);
/** |x| */
export const abs = unaryOp(pAbs);
/** -1, 0 or 1 by the sign of x. */
export const sign = unaryOp(pSign);
/** x² */
export const square = unaryOp(pSquare);
/** max(x, 0) */
export const relu = unaryOp(pRelu);
/** eˣ */
export const exp = unaryOp(pExp);
/** Natural logarithm. */
export const log = unaryOp(pLog);
/** log(1 + x), accurate near 0. */
export const log1p = unaryOp(pLog1p);
/** eˣ - 1, accurate near 0. */
export const expm1 = unaryOp(pExpm1);
/** √x */
export const sqrt = unaryOp(pSqrt);
/** 1/√x */
export const rsqrt = unaryOp(pRsqrt);
/** 1/x */
export const reciprocal = unaryOp(pReciprocal);
/** Hyperbolic tangent. */
export const tanh = unaryOp(pTanh);
/** 1 / (1 + e⁻ˣ), computed without overflow. */
export const sigmoid = unaryOp(pSigmoid);
/** Sine. */
export const sin = unaryOp(pSin);
/** Cosine. */
export const cos = unaryOp(pCos);
/** The Gauss error function. */
export const erf = unaryOp(pErf);
/** Largest integer ≤ x (no gradient). */
export const floor = unaryOp(pFloor);
/** Smallest integer ≥ x (no gradient). */
export const ceil = unaryOp(pCeil);
/** Nearest integer, halves to even (no gradient). */
export const round = unaryOp(pRound);
/** Boolean not. */
export const logicalNot = unaryOp(pLogicalNot);
/** True where x is NaN. */
export const isNaN = unaryOp(pIsNaN);
/** True where x is finite. */
export const isFinite = unaryOp(pIsFinite);

