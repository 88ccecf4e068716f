// Max and average pooling (channels-last, Keras semantics) with their gradient primitives; the 1-D pools are
// composites over the 2-D ones. Average 'same' divides by the number of in-bounds elements, as TF/Keras.
import { ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive, type KernelCallSpec, type TensorInfo } from '../registry.js';
import { FLOATS, expectDtype, expectRank, sameDtype } from '../shape-utils.js';
import { reshape } from './movement.js';
import { checkPadding, checkPair, toPair, windowOutput, type Padding, type Window2d } from './conv.js';

/** Attributes of the pooling primitives. */
interface PoolAttrs extends Record<string, unknown> {
  poolSize: number[];
  strides: number[];
  padding: Padding;
}

interface PoolGeometry {
  outShape: number[];
  pads: [number, number];
}

/** Output shape and leading paddings of pooling an input of `xShape` (rank 4, NHWC). */
function poolGeometry(op: string, xShape: readonly number[], a: PoolAttrs): PoolGeometry {
  checkPair(op, 'poolSize', a.poolSize);
  checkPair(op, 'strides', a.strides);
  checkPadding(op, a.padding);
  const h = windowOutput(xShape[1], a.poolSize[0], a.strides[0], 1, a.padding);
  const w = windowOutput(xShape[2], a.poolSize[1], a.strides[1], 1, a.padding);
  if (!h || !w)
    throw new ShapeError(`${op}: pool size ${fmtShape(a.poolSize)} is larger than the input's spatial size ` +
      `${fmtShape(xShape.slice(1, 3))} with padding 'valid' (input shape ${fmtShape(xShape)})`);
  return { outShape: [xShape[0], h.out, w.out, xShape[3]], pads: [h.padBefore, w.padBefore] };
}

function checkInput(op: string, x: TensorInfo): void {
  expectRank(op, 'input', x.shape, [4]);
  expectDtype(op, 'input', x.dtype, FLOATS);
}

/** Checks that dy has the pooled shape of an input of `xShape`. */
function checkGrad(op: string, xShape: readonly number[], dy: TensorInfo, a: PoolAttrs): void {
  expectRank(op, 'output gradient', dy.shape, [4]);
  const g = poolGeometry(op, xShape, a);
  if (fmtShape(g.outShape) !== fmtShape(dy.shape))
    throw new ShapeError(`${op}: output gradient must have shape ${fmtShape(g.outShape)}, got ${fmtShape(dy.shape)} ` +
      `(input shape ${fmtShape(xShape)})`);
}

/** Runs a pooling kernel; the geometry args are those of the forward problem on an input of `xShape`. */
/** The call of pooling kernel `name` for input shape `xShape`. */
function poolCall(name: string, xShape: readonly number[], a: PoolAttrs): KernelCallSpec {
  const g = poolGeometry(name, xShape, a);
  return { kernel: name, args: [xShape, g.outShape[1], g.outShape[2], a.poolSize, a.strides, g.pads] };
}

const poolAttrs = (a: PoolAttrs): PoolAttrs =>
  ({ poolSize: [...a.poolSize], strides: [...a.strides], padding: a.padding });

/**
 * Gradient of maxPool2d: (x, dy) → dx, routing each output gradient to the first maximum of its window (as TF).
 * Not differentiable itself: its inputs get no gradient through it (no second derivatives through max pooling).
 */
const maxPoolGradPrim = definePrimitive<PoolAttrs>({
  name: 'maxPoolGrad',
  kind: 'pooling',
  infer: ([x, dy], a) => {
    checkInput('maxPoolGrad', x);
    sameDtype('maxPoolGrad', [x, dy]);
    checkGrad('maxPoolGrad', x.shape, dy, a);
    return [{ shape: [...x.shape], dtype: x.dtype }];
  },
  kernelCall: ([x], a) => poolCall('max_pool2d_grad', x.shape, a),
});

const maxPoolPrim = definePrimitive<PoolAttrs>({
  name: 'maxPool2d',
  kind: 'pooling',
  infer: ([x], a) => {
    checkInput('maxPool2d', x);
    return [{ shape: poolGeometry('maxPool2d', x.shape, a).outShape, dtype: x.dtype }];
  },
  grad: ([x], _y, [dy], a) => [apply1(maxPoolGradPrim, [x, dy], poolAttrs(a))],
  kernelCall: ([x], a) => poolCall('max_pool2d', x.shape, a),
});

interface AvgPoolGradAttrs extends PoolAttrs {
  inputShape: number[];
}

// avgPoolPrim is defined below; this only reads it when called, after the module has loaded.
function avgPoolOp(x: Tensor, a: PoolAttrs): Tensor {
  return apply1(avgPoolPrim, [x], poolAttrs(a));
}

/** Gradient of avgPool2d: dy → dx of `inputShape`; linear, so its own gradient is avgPool2d. */
const avgPoolGradPrim = definePrimitive<AvgPoolGradAttrs>({
  name: 'avgPoolGrad',
  kind: 'pooling',
  infer: ([dy], a) => {
    expectDtype('avgPoolGrad', 'output gradient', dy.dtype, FLOATS);
    if (!Array.isArray(a.inputShape) || a.inputShape.length !== 4 ||
        !a.inputShape.every((d) => Number.isInteger(d) && d >= 0))
      throw new ValueError('avgPoolGrad: inputShape must be 4 non-negative integers, got ' +
        JSON.stringify(a.inputShape));
    checkGrad('avgPoolGrad', a.inputShape, dy, a);
    return [{ shape: [...a.inputShape], dtype: dy.dtype }];
  },
  grad: (_dy, _y, [g], a) => [avgPoolOp(g, a)],
  kernelCall: (_in, a) => poolCall('avg_pool2d_grad', a.inputShape, a),
});

const avgPoolPrim = definePrimitive<PoolAttrs>({
  name: 'avgPool2d',
  kind: 'pooling',
  infer: ([x], a) => {
    checkInput('avgPool2d', x);
    return [{ shape: poolGeometry('avgPool2d', x.shape, a).outShape, dtype: x.dtype }];
  },
  grad: ([x], _y, [dy], a) => [apply1(avgPoolGradPrim, [dy], { ...poolAttrs(a), inputShape: [...x.shape] })],
  kernelCall: ([x], a) => poolCall('avg_pool2d', x.shape, a),
});

function attrs2d(poolSize: Window2d, strides: Window2d | undefined, padding: Padding): PoolAttrs {
  return { poolSize: toPair(poolSize), strides: toPair(strides ?? poolSize), padding };
}

/** Max pooling of x [N, H, W, C] (Keras MaxPooling2D); strides default to the pool size. */
export function maxPool2d(x: OpInput, poolSize: Window2d = 2, strides?: Window2d, padding: Padding = 'valid'): Tensor {
  return apply1(maxPoolPrim, [toTensor(x)], attrs2d(poolSize, strides, padding));
}

/** Average pooling of x [N, H, W, C] (Keras AveragePooling2D); strides default to the pool size. */
export function avgPool2d(x: OpInput, poolSize: Window2d = 2, strides?: Window2d, padding: Padding = 'valid'): Tensor {
  return avgPoolOp(toTensor(x), attrs2d(poolSize, strides, padding));
}

/** Runs a 2-D pool on x [N, W, C] viewed as [N, 1, W, C]. */
function pool1d(op: string, pool2d: (x: Tensor, a: PoolAttrs) => Tensor, x: OpInput, poolSize: number,
                strides: number | undefined, padding: Padding): Tensor {
  const t = toTensor(x);
  // Checked here so that errors name the 1-D op and the caller's 3-D shape.
  expectRank(op, 'input', t.shape, [3]);
  checkPadding(op, padding);
  const [n, w, c] = t.shape;
  if (padding === 'valid' && Number.isInteger(poolSize) && !windowOutput(w, poolSize, 1, 1, padding))
    throw new ShapeError(`${op}: pool size ${poolSize} is larger than the input length ${w} with padding 'valid' ` +
      `(input shape ${fmtShape(t.shape)})`);
  const y = pool2d(reshape(t, [n, 1, w, c]), attrs2d([1, poolSize], [1, strides ?? poolSize], padding));
  return reshape(y, [n, y.shape[2], c]);
}

/** Max pooling of x [N, W, C] (Keras MaxPooling1D); stride defaults to the pool size. */
export function maxPool1d(x: OpInput, poolSize = 2, strides?: number, padding: Padding = 'valid'): Tensor {
  return pool1d('maxPool1d', (t, a) => apply1(maxPoolPrim, [t], a), x, poolSize, strides, padding);
}

/** Average pooling of x [N, W, C] (Keras AveragePooling1D); stride defaults to the pool size. */
export function avgPool1d(x: OpInput, poolSize = 2, strides?: number, padding: Padding = 'valid'): Tensor {
  return pool1d('avgPool1d', avgPoolOp, x, poolSize, strides, padding);
}
