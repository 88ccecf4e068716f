// One converter per supported layer class: the ONNX nodes that compute the layer's inference output (Dropout is
// the identity, BatchNormalization uses its moving statistics). Converters are looked up by the exact class, so a
// subclass that overrides call() is not silently exported as its parent.
import { ValueError } from '../core/errors.js';
import { serializeActivation, type ActivationFn } from '../activations.js';
import type { AnyLayer } from '../engine/layer.js';
import { Activation } from '../layers/activation.js';
import { BaseConv } from '../layers/base-conv.js';
import { BatchNormalization } from '../layers/batch-normalization.js';
import { Concatenate } from '../layers/concatenate.js';
import { Conv1D } from '../layers/conv1d.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import {
  GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
} from '../layers/global-pooling.js';
import { Add, Average, Maximum, Multiply, Subtract } from '../layers/merge.js';
import { AveragePooling1D, AveragePooling2D, MaxPooling1D, MaxPooling2D } from '../layers/pooling.js';
import { Reshape } from '../layers/reshape.js';
import { activationWriter } from './activations.js';
import { RECURRENT_CONVERTERS } from './recurrent.js';
import type { AttrValue } from './graph-builder.js';
import { channelsFirstPerm, type LayerContext, type OnnxValue } from './values.js';

/** Writes a layer's nodes for its input values; returns the output values' names and layouts. */
type Converter = (ctx: LayerContext, inputs: OnnxValue[], outShapes: OnnxValue['shape'][]) =>
  Pick<OnnxValue, 'name' | 'perm'>[];

type Out = Pick<OnnxValue, 'name' | 'perm'>;

function applyActivation(ctx: LayerContext, fn: ActivationFn, v: Out, rank: number): Out {
  let name: string;
  try {
    name = serializeActivation(fn, ctx.label);
  } catch {
    throw new ValueError(`${ctx.label}: its activation is a custom function, which ONNX export does not support; ` +
      `use a built-in activation by name`);
  }
  const write = activationWriter(name);
  if (!write) throw new ValueError(`${ctx.label}: activation "${name}" has no ONNX export`);
  const axis = v.perm === null ? rank - 1 : v.perm.indexOf(rank - 1);
  return { name: write(ctx.g, v.name, `${ctx.base}/${name}`, axis), perm: v.perm };
}

function dense(ctx: LayerContext, [x]: OnnxValue[]): Out[] {
  const layer = ctx.layer as Dense;
  const k = layer.kernel!;
  const w = ctx.g.floats(`${ctx.base}/kernel`, ctx.weight(k, 'kernel'), k.shape);
  const b = layer.bias ? ctx.g.floats(`${ctx.base}/bias`, ctx.weight(layer.bias, 'bias'), layer.bias.shape) : null;
  const xin = ctx.asKiln(x);
  let y: string;
  if (x.shape.length === 2) {
    y = ctx.g.op('Gemm', b ? [xin.name, w, b] : [xin.name, w], ctx.base);
  } else {
    y = ctx.g.op('MatMul', [xin.name, w], ctx.base);
    if (b) y = ctx.g.op('Add', [y, b], ctx.base);
  }
  return [applyActivation(ctx, layer.activation, { name: y, perm: null }, x.shape.length)];
}

// TF's 'same': out = ceil(in / stride), the odd pad at the end; unknown sizes leave it to SAME_UPPER (the same rule).
function padsOf(ctx: LayerContext, x: OnnxValue, padding: string, kernel: number[], strides: number[],
                dilations: number[]): Record<string, AttrValue> {
  if (padding === 'valid') return {};
  if (padding !== 'same' && padding !== 'causal')
    throw new ValueError(`${ctx.label}: padding "${padding}" has no ONNX export`);
  const spatial = x.shape.slice(1, -1);
  if (padding === 'causal') return { pads: { ints: [(kernel[0] - 1) * dilations[0], 0] } };
  if (spatial.some((d) => d === null)) return { auto_pad: 'SAME_UPPER' };
  const begin: number[] = [], end: number[] = [];
  spatial.forEach((n, i) => {
    const size = n!;
    const out = Math.ceil(size / strides[i]);
    const total = Math.max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return { pads: { ints: [...begin, ...end] } };
}

function conv(ctx: LayerContext, [x]: OnnxValue[]): Out[] {
  const layer = ctx.layer as BaseConv;
  const kw = ctx.weight(layer.kernel, 'kernel');
  const kshape = layer.kernel!.shape; // [...window, in, out]
  const n = kshape.length - 2;
  const window = kshape.slice(0, n), cin = kshape[n], cout = kshape[n + 1];
  const spatial = window.reduce((a, b) => a * b, 1);
  // [...window, in, out] → [out, in, ...window]
  const onnxKernel = new Float32Array(kw.length);
  for (let s = 0; s < spatial; s++)
    for (let i = 0; i < cin; i++)
      for (let o = 0; o < cout; o++) onnxKernel[(o * cin + i) * spatial + s] = kw[(s * cin + i) * cout + o];
  const w = ctx.g.floats(`${ctx.base}/kernel`, onnxKernel, [cout, cin, ...window]);
  const inputs = [ctx.asChannelsFirst(x).name, w];
  if (layer.bias) inputs.push(ctx.g.floats(`${ctx.base}/bias`, ctx.weight(layer.bias, 'bias'), [cout]));
  const y = ctx.g.op('Conv', inputs, ctx.base, {
    kernel_shape: { ints: window }, strides: { ints: layer.strides }, dilations: { ints: layer.dilationRate },
    ...padsOf(ctx, x, layer.padding, window, layer.strides, layer.dilationRate),
  });
  return [applyActivation(ctx, layer.activation, { name: y, perm: channelsFirstPerm(x.shape.length) },
    x.shape.length)];
}

function pool(opType: 'MaxPool' | 'AveragePool'): Converter {
  return (ctx, [x]) => {
    const layer = ctx.layer as MaxPooling2D;
    const ones = layer.poolSize.map(() => 1);
    const extra: Record<string, AttrValue> = opType === 'AveragePool' ? { count_include_pad: 0 } : {};
    const y = ctx.g.op(opType, [ctx.asChannelsFirst(x).name], ctx.base, {
      kernel_shape: { ints: layer.poolSize }, strides: { ints: layer.strides },
      ...padsOf(ctx, x, layer.padding, layer.poolSize, layer.strides, ones), ...extra,
    });
    return [{ name: y, perm: channelsFirstPerm(x.shape.length) }];
  };
}

function globalPool(opType: 'ReduceMean' | 'ReduceMax'): Converter {
  return (ctx, [x]) => {
    const layer = ctx.layer as GlobalAveragePooling2D;
    const rank = x.shape.length;
    const spatial = Array.from({ length: rank - 2 }, (_, i) => i + 1);
    const keepdims = layer.keepdims ? 1 : 0;
    if (layer.dataFormat === 'channelsLast') {
      // Reduce in whatever layout x is in; with keepdims the result keeps that layout.
      const axes = spatial.map((a) => ctx.onnxAxis(x, a));
      const y = ctx.g.op(opType, [x.name], ctx.base, { axes: { ints: axes }, keepdims });
      return [{ name: y, perm: keepdims ? x.perm : null }];
    }
    const y = ctx.g.op(opType, [ctx.asKiln(x).name], ctx.base, { axes: { ints: spatial.map((a) => a + 1) }, keepdims });
    return [{ name: y, perm: null }];
  };
}

function batchNorm(ctx: LayerContext, [x]: OnnxValue[]): Out[] {
  const layer = ctx.layer as BatchNormalization;
  const mean = ctx.weight(layer.movingMean, 'movingMean');
  const variance = ctx.weight(layer.movingVariance, 'movingVariance');
  const gamma = layer.gamma ? ctx.weight(layer.gamma, 'gamma') : null;
  const beta = layer.beta ? ctx.weight(layer.beta, 'beta') : null;
  // y = (x − mean)·γ/√(var + ε) + β = x·scale + shift
  const scale = new Float32Array(mean.length), shift = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + layer.epsilon);
    shift[c] = (beta ? beta[c] : 0) - mean[c] * scale[c];
  }
  const rank = x.shape.length;
  const axis = ctx.onnxAxis(x, layer.axis);
  const dims = axis === rank - 1 ? [mean.length] : Array.from({ length: rank }, (_, i) => (i === axis ? mean.length : 1));
  const s = ctx.g.floats(`${ctx.base}/scale`, scale, dims), t = ctx.g.floats(`${ctx.base}/shift`, shift, dims);
  return [{ name: ctx.g.op('Add', [ctx.g.op('Mul', [x.name, s], ctx.base), t], ctx.base), perm: x.perm }];
}

function flatten(ctx: LayerContext, [x]: OnnxValue[]): Out[] {
  const layer = ctx.layer as Flatten;
  let name = ctx.asKiln(x).name;
  if (layer.dataFormat === 'channelsFirst' && x.shape.length > 2) {
    const rank = x.shape.length;
    name = ctx.g.op('Transpose', [name], ctx.base,
      { perm: { ints: [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1] } });
  }
  return [{ name: ctx.g.op('Flatten', [name], ctx.base, { axis: 1 }), perm: null }];
}

function reshape(ctx: LayerContext, [x]: OnnxValue[], [outShape]: OnnxValue['shape'][]): Out[] {
  const sample = outShape.slice(1);
  const target = sample.every((d) => d !== null) ? sample as number[] : (ctx.layer as Reshape).targetShape;
  const shape = ctx.g.int64s(`${ctx.base}/shape`, [-1, ...target]);
  return [{ name: ctx.g.op('Reshape', [ctx.asKiln(x).name, shape], ctx.base), perm: null }];
}

// Merge layers: one layout, lower ranks given size-1 axes after the batch axis (as Kiln's merge does).
function mergeInputs(ctx: LayerContext, xs: OnnxValue[]): { names: string[]; perm: readonly number[] | null } {
  const rank = Math.max(...xs.map((v) => v.shape.length));
  const same = ctx.sameLayout(xs);
  const names = same.map((v) => {
    if (v.shape.length === rank) return v.name;
    const axes = ctx.g.int64s(`${ctx.base}/axes`, Array.from({ length: rank - v.shape.length }, (_, i) => i + 1));
    return ctx.g.op('Unsqueeze', [v.name, axes], ctx.base);
  });
  return { names, perm: same[0].perm };
}

function merge(combine: (ctx: LayerContext, names: string[]) => string): Converter {
  return (ctx, xs) => {
    const { names, perm } = mergeInputs(ctx, xs);
    return [{ name: combine(ctx, names), perm }];
  };
}

const pairwise = (opType: string) => (ctx: LayerContext, names: string[]): string =>
  names.reduce((a, b) => ctx.g.op(opType, [a, b], ctx.base));

function concatenate(ctx: LayerContext, xs: OnnxValue[]): Out[] {
  const same = ctx.sameLayout(xs);
  const axis = ctx.onnxAxis(same[0], (ctx.layer as Concatenate).axis);
  return [{ name: ctx.g.op('Concat', same.map((v) => v.name), ctx.base, { axis }), perm: same[0].perm }];
}

const CONVERTERS = new Map<abstract new (...args: never[]) => AnyLayer, Converter>([
  [Dense, dense],
  [Activation, (ctx, [x]) => [applyActivation(ctx, (ctx.layer as Activation).activation, x, x.shape.length)]],
  [Dropout, (_ctx, [x]) => [x]],
  [Flatten, flatten],
  [Reshape, reshape],
  [Conv1D, conv],
  [Conv2D, conv],
  [MaxPooling1D, pool('MaxPool')],
  [MaxPooling2D, pool('MaxPool')],
  [AveragePooling1D, pool('AveragePool')],
  [AveragePooling2D, pool('AveragePool')],
  [GlobalAveragePooling1D, globalPool('ReduceMean')],
  [GlobalAveragePooling2D, globalPool('ReduceMean')],
  [GlobalMaxPooling1D, globalPool('ReduceMax')],
  [GlobalMaxPooling2D, globalPool('ReduceMax')],
  [BatchNormalization, batchNorm],
  [Add, merge((ctx, names) => (names.length === 1 ? names[0] : ctx.g.op('Sum', names, ctx.base)))],
  [Subtract, merge(pairwise('Sub'))],
  [Multiply, merge(pairwise('Mul'))],
  [Maximum, merge((ctx, names) => (names.length === 1 ? names[0] : ctx.g.op('Max', names, ctx.base)))],
  [Average, merge((ctx, names) => ctx.g.op('Div', [names.length === 1 ? names[0] : ctx.g.op('Sum', names, ctx.base),
    ctx.g.floats(`${ctx.base}/count`, Float32Array.of(names.length), [])], ctx.base))],
  [Concatenate, concatenate],
  ...RECURRENT_CONVERTERS,
]);

/** The converter of a layer's class, or undefined when ONNX export does not support it. */
export function converterOf(layer: AnyLayer): Converter | undefined {
  return CONVERTERS.get(layer.constructor as abstract new (...args: never[]) => AnyLayer);
}

/** Class names of the layers ONNX export supports (for error messages). */
export function supportedLayerNames(): string[] {
  return [...CONVERTERS.keys()].map((c) => c.name).sort();
}
