// 2-D convolution (channels-last, Keras filter layout [kh, kw, inC, outC]) and its two backprop primitives.
// Each primitive's gradient is written with the other two (as TensorFlow does), so conv gradients are themselves
// differentiable. conv1d is a composite over conv2d. float32 runs on oneDNN, float64 on direct loops.
import { ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive, type KernelCallSpec, type TensorInfo } from '../registry.js';
import { FLOATS, expectDtype, expectRank, sameDtype } from '../shape-utils.js';
import { expandDims, squeeze } from './movement.js';

/** Padding mode of convolutions and pools, as Keras: 'valid' (none) or 'same' (output = ceil(input / stride)). */
export type Padding = 'same' | 'valid';

/** Attributes shared by the three convolution primitives. */
interface ConvAttrs extends Record<string, unknown> {
  strides: number[];
  padding: Padding;
  dilations: number[];
}

/** Output size and leading padding of one spatial axis; null when a 'valid' window does not fit the input. */
export function windowOutput(size: number, k: number, stride: number, dilation: number,
                             padding: Padding): { out: number; padBefore: number } | null {
  const effK = (k - 1) * dilation + 1;
  if (padding === 'valid') return size >= effK ? { out: Math.floor((size - effK) / stride) + 1, padBefore: 0 } : null;
  // TF/Keras 'same': out = ceil(in / stride), padding split with the extra element after.
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effK - size, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

/** Throws a ValueError unless `v` is a pair of positive integers. */
export function checkPair(op: string, what: string, v: unknown): void {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= 1))
    throw new ValueError(`${op}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
}

/** Throws a ValueError unless `padding` is 'same' or 'valid'. */
export function checkPadding(op: string, padding: unknown): void {
  if (padding !== 'same' && padding !== 'valid')
    throw new ValueError(`${op}: padding must be 'same' or 'valid', got ${JSON.stringify(padding)}`);
}

/** A number or pair argument as a pair (validated later by the shape rule). */
export function toPair(v: number | readonly number[]): number[] {
  return typeof v === 'number' ? [v, v] : [...v];
}

interface ConvGeometry {
  outShape: number[];
  pads: [number, number];
}

/** Output shape and paddings of conv2d(x: xShape, filter: fShape); `context` describes the call for errors. */
function convGeometry(op: string, xShape: readonly number[], fShape: readonly number[], a: ConvAttrs,
                      context: string): ConvGeometry {
  checkPair(op, 'strides', a.strides);
  checkPair(op, 'dilations', a.dilations);
  checkPadding(op, a.padding);
  if (fShape[2] !== xShape[3])
    throw new ShapeError(`${op}: filter in-channels (dim 2) must equal the input channels, got ${fShape[2]} vs ` +
      `${xShape[3]} (${context})`);
  const h = windowOutput(xShape[1], fShape[0], a.strides[0], a.dilations[0], a.padding);
  const w = windowOutput(xShape[2], fShape[1], a.strides[1], a.dilations[1], a.padding);
  if (!h || !w) {
    const eff = [0, 1].map((i) => (fShape[i] - 1) * a.dilations[i] + 1);
    throw new ShapeError(`${op}: kernel ${fmtShape(eff)} (dilated) is larger than the input's spatial size ` +
      `${fmtShape(xShape.slice(1, 3))} with padding 'valid' (${context})`);
  }
  return { outShape: [xShape[0], h.out, w.out, fShape[3]], pads: [h.padBefore, w.padBefore] };
}

function checkOperands(op: string, a: TensorInfo, aName: string, b: TensorInfo, bName: string): void {
  expectRank(op, aName, a.shape, [4]);
  expectRank(op, bName, b.shape, [4]);
  expectDtype(op, 'inputs', sameDtype(op, [a, b]), FLOATS);
}

function expectShape(op: string, what: string, shape: readonly number[], rank: number): void {
  if (!Array.isArray(shape) || shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ValueError(`${op}: ${what} must be ${rank} non-negative integers, got ${JSON.stringify(shape)}`);
}

/** Runs one of the three conv kernels: geometry args are those of the forward problem x ⋆ f → y. */
/** The call of conv kernel `name` for input shape `x` and filter shape `f`. */
function convCall(name: string, x: readonly number[], f: readonly number[], a: ConvAttrs): KernelCallSpec {
  const g = convGeometry(name, x, f, a, '');
  return { kernel: name, args: [x, g.outShape[1], g.outShape[2], f[3], f[0], f[1], a.strides, a.dilations, g.pads] };
}

const shapes = (xName: string, x: readonly number[], fName: string, f: readonly number[]) =>
  `${xName} shape ${fmtShape(x)}, ${fName} shape ${fmtShape(f)}`;

const conv2dPrim = definePrimitive<ConvAttrs>({
  name: 'conv2d',
  kind: 'convolution',
  infer: ([x, f], a) => {
    checkOperands('conv2d', x, 'input', f, 'filter');
    const g = convGeometry('conv2d', x.shape, f.shape, a, shapes('input', x.shape, 'filter', f.shape));
    return [{ shape: g.outShape, dtype: x.dtype }];
  },
  grad: ([x, f], _y, [dy], a) => [
    conv2dBackpropInputOp(dy, f, x.shape, a),
    conv2dBackpropFilterOp(x, dy, f.shape, a),
  ],
  kernelCall: ([x, f], a) => convCall('conv2d', x.shape, f.shape, a),
});

interface BackpropInputAttrs extends ConvAttrs {
  inputShape: number[];
}

const conv2dBackpropInputPrim = definePrimitive<BackpropInputAttrs>({
  name: 'conv2dBackpropInput',
  kind: 'convolution',
  infer: ([dy, f], a) => {
    const op = 'conv2dBackpropInput';
    checkOperands(op, dy, 'output gradient', f, 'filter');
    expectShape(op, 'inputShape', a.inputShape, 4);
    const context = `inputShape ${fmtShape(a.inputShape)}, filter shape ${fmtShape(f.shape)}`;
    const g = convGeometry(op, a.inputShape, f.shape, a, context);
    if (fmtShape(g.outShape) !== fmtShape(dy.shape))
      throw new ShapeError(`${op}: output gradient must have shape ${fmtShape(g.outShape)}, got ` +
        `${fmtShape(dy.shape)} (${context})`);
    return [{ shape: [...a.inputShape], dtype: dy.dtype }];
  },
  // dx is bilinear in (dy, f): its adjoint in dy is conv2d, in f the filter backprop.
  grad: ([dy, f], _y, [g], a) => [
    conv2dOp(g, f, a),
    conv2dBackpropFilterOp(g, dy, f.shape, a),
  ],
  kernelCall: ([, f], a) => convCall('conv2d_backprop_input', a.inputShape, f.shape, a),
});

interface BackpropFilterAttrs extends ConvAttrs {
  filterShape: number[];
}

const conv2dBackpropFilterPrim = definePrimitive<BackpropFilterAttrs>({
  name: 'conv2dBackpropFilter',
  kind: 'convolution',
  infer: ([x, dy], a) => {
    const op = 'conv2dBackpropFilter';
    checkOperands(op, x, 'input', dy, 'output gradient');
    expectShape(op, 'filterShape', a.filterShape, 4);
    const context = `input shape ${fmtShape(x.shape)}, filterShape ${fmtShape(a.filterShape)}`;
    const g = convGeometry(op, x.shape, a.filterShape, a, context);
    if (fmtShape(g.outShape) !== fmtShape(dy.shape))
      throw new ShapeError(`${op}: output gradient must have shape ${fmtShape(g.outShape)}, got ` +
        `${fmtShape(dy.shape)} (${context})`);
    return [{ shape: [...a.filterShape], dtype: x.dtype }];
  },
  grad: ([x, dy], _y, [g], a) => [
    conv2dBackpropInputOp(dy, g, x.shape, a),
    conv2dOp(x, g, a),
  ],
  kernelCall: ([x], a) => convCall('conv2d_backprop_filter', x.shape, a.filterShape, a),
});

const convAttrs = (a: ConvAttrs): ConvAttrs =>
  ({ strides: [...a.strides], padding: a.padding, dilations: [...a.dilations] });

function conv2dOp(x: Tensor, f: Tensor, a: ConvAttrs): Tensor {
  return apply1(conv2dPrim, [x, f], convAttrs(a));
}

function conv2dBackpropInputOp(dy: Tensor, f: Tensor, inputShape: readonly number[], a: ConvAttrs): Tensor {
  return apply1(conv2dBackpropInputPrim, [dy, f], { ...convAttrs(a), inputShape: [...inputShape] });
}

function conv2dBackpropFilterOp(x: Tensor, dy: Tensor, filterShape: readonly number[], a: ConvAttrs): Tensor {
  return apply1(conv2dBackpropFilterPrim, [x, dy], { ...convAttrs(a), filterShape: [...filterShape] });
}

/** A stride or dilation: one number for every spatial axis, or one per axis. */
export type Window2d = number | readonly [number, number] | readonly number[];

function attrs2d(strides: Window2d, padding: Padding, dilation: Window2d): ConvAttrs {
  return { strides: toPair(strides), padding, dilations: toPair(dilation) };
}

/** 2-D convolution of x [N, H, W, C] with filter [kh, kw, C, outC] → [N, outH, outW, outC] (Keras Conv2D). */
export function conv2d(x: OpInput, filter: OpInput, strides: Window2d = 1, padding: Padding = 'valid',
                       dilation: Window2d = 1): Tensor {
  const tx = toTensor(x);
  return conv2dOp(tx, toTensor(filter, tx.dtype), attrs2d(strides, padding, dilation));
}

/**
 * Gradient of conv2d with respect to its input (the transposed convolution): dy [N, outH, outW, outC] and
 * filter [kh, kw, C, outC] → [N, H, W, C] where `inputShape` = [N, H, W, C].
 */
export function conv2dBackpropInput(dy: OpInput, filter: OpInput, inputShape: readonly number[],
                                    strides: Window2d = 1, padding: Padding = 'valid',
                                    dilation: Window2d = 1): Tensor {
  const tdy = toTensor(dy);
  return conv2dBackpropInputOp(tdy, toTensor(filter, tdy.dtype), inputShape, attrs2d(strides, padding, dilation));
}

/** Gradient of conv2d with respect to its filter: x [N, H, W, C] and dy [N, outH, outW, outC] → `filterShape`. */
export function conv2dBackpropFilter(x: OpInput, dy: OpInput, filterShape: readonly number[],
                                     strides: Window2d = 1, padding: Padding = 'valid',
                                     dilation: Window2d = 1): Tensor {
  const tx = toTensor(x);
  return conv2dBackpropFilterOp(tx, toTensor(dy, tx.dtype), filterShape, attrs2d(strides, padding, dilation));
}

/** 1-D convolution of x [N, W, C] with filter [k, C, outC] → [N, outW, outC] (Keras Conv1D), via conv2d. */
export function conv1d(x: OpInput, filter: OpInput, stride = 1, padding: Padding = 'valid', dilation = 1): Tensor {
  const tx = toTensor(x);
  const tf = toTensor(filter, tx.dtype);
  // Checked here so that errors name conv1d and the caller's 3-D shapes, not the internal 4-D ones.
  expectRank('conv1d', 'input', tx.shape, [3]);
  expectRank('conv1d', 'filter', tf.shape, [3]);
  checkPadding('conv1d', padding);
  const context = shapes('input', tx.shape, 'filter', tf.shape);
  if (tf.shape[1] !== tx.shape[2])
    throw new ShapeError(`conv1d: filter in-channels (dim 1) must equal the input channels, got ${tf.shape[1]} vs ` +
      `${tx.shape[2]} (${context})`);
  const fits = !Number.isInteger(dilation) || windowOutput(tx.shape[1], tf.shape[0], 1, dilation, padding);
  if (!fits)
    throw new ShapeError(`conv1d: kernel ${(tf.shape[0] - 1) * dilation + 1} (dilated) is larger than the input ` +
      `length ${tx.shape[1]} with padding 'valid' (${context})`);
  const y = conv2dOp(expandDims(tx, 1), expandDims(tf, 0), attrs2d([1, stride], padding, [1, dilation]));
  return squeeze(y, 1);
}
