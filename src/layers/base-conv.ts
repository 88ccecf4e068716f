// BaseConv: what Conv1D, Conv2D and Conv2DTranspose share (Keras `BaseConv`): options, validation, the kernel and
// bias weights, the channels-last input spec and the config.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { add } from '../ops/prims/binary.js';
import { getActivation, serializeActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from '../constraints/index.js';
import type { Constraint } from '../constraints/constraint.js';
import { getInitializer, serializeInitializer, type InitializerIdentifier } from '../initializers/index.js';
import type { Initializer } from '../initializers/initializer.js';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import type { Regularizer } from '../regularizers/regularizer.js';
import { InputSpec, fmtDims, type Shape } from '../engine/input-spec.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import type { Config } from '../engine/registry.js';
import type { DataFormat } from './flatten.js';

/** Padding of a convolution: 'valid' (none), 'same' (output = ceil(input / stride)); Conv1D also takes 'causal'. */
export type ConvPadding = 'valid' | 'same' | 'causal';

/** Options shared by the convolution layers (Keras defaults). */
export interface BaseConvOptions extends LayerOptions {
  /** Number of output channels (a positive integer). */
  filters: number;
  /** Window size: one integer for every spatial axis or one per axis. */
  kernelSize: number | number[];
  /** Default 1. */
  strides?: number | number[];
  /** Default 'valid'. */
  padding?: ConvPadding;
  /** Only 'channelsLast' (the default) is supported. */
  dataFormat?: DataFormat;
  /** Default 1; strides and dilation cannot both exceed 1. */
  dilationRate?: number | number[];
  /** Applied to the output (default none: linear). */
  activation?: ActivationIdentifier;
  /** Default true. */
  useBias?: boolean;
  /** Default glorotUniform. */
  kernelInitializer?: InitializerIdentifier;
  /** Default zeros. */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/** Expands an integer or a list to `rank` positive integers; `what` names the option in errors. */
export function toTuple(owner: string, what: string, v: unknown, rank: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(rank).fill(v) : v;
  if (!Array.isArray(list) || list.length !== rank || !list.every((d) => Number.isInteger(d) && d >= 1))
    throw new ValueError(`${owner}: ${what} must be a positive integer or a list of ${rank}, got ${JSON.stringify(v)}`);
  return [...list] as number[];
}

/** Throws a clear error for dataFormat 'channelsFirst' (Kiln's spatial ops are channels-last). */
export function checkChannelsLast(owner: string, dataFormat: unknown): DataFormat {
  if (dataFormat === 'channelsFirst')
    throw new ValueError(`${owner}: dataFormat 'channelsFirst' is not supported (Kiln's convolutions and pools are ` +
      `channels-last); transpose the input to channels-last and use 'channelsLast'`);
  if (dataFormat !== 'channelsLast')
    throw new ValueError(`${owner}: dataFormat must be 'channelsLast', got ${JSON.stringify(dataFormat)}`);
  return dataFormat;
}

/** Base class of the convolution layers; subclasses give the spatial rank, the kernel shape and the op. */
export abstract class BaseConv extends Layer {
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: ConvPadding;
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  /** Created by build (layout given by kernelShape). */
  kernel: LayerWeight | null = null;
  /** [filters] when useBias, created by build. */
  bias: LayerWeight | null = null;

  constructor(readonly rank: number, options: BaseConvOptions, paddings: readonly ConvPadding[]) {
    super(options);
    const { filters, padding = 'valid', activation = null, useBias = true } = options;
    if (!Number.isInteger(filters) || filters <= 0)
      throw new ValueError(`${this.label}: filters must be a positive integer, got ${filters}`);
    if (!paddings.includes(padding))
      throw new ValueError(`${this.label}: padding must be one of ${paddings.map((p) => `'${p}'`).join(', ')}, ` +
        `got ${JSON.stringify(padding)}`);
    this.filters = filters;
    this.kernelSize = toTuple(this.label, 'kernelSize', options.kernelSize, rank);
    this.strides = toTuple(this.label, 'strides', options.strides ?? 1, rank);
    this.dilationRate = toTuple(this.label, 'dilationRate', options.dilationRate ?? 1, rank);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1))
      throw new ValueError(`${this.label}: strides > 1 cannot be combined with dilationRate > 1, got strides ` +
        `${fmtDims(this.strides)} and dilationRate ${fmtDims(this.dilationRate)}`);
    this.padding = padding;
    this.dataFormat = checkChannelsLast(this.label, options.dataFormat ?? 'channelsLast');
    this.activation = getActivation(activation, this.label);
    this.useBias = useBias;
    this.kernelInitializer = getInitializer(options.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(options.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(options.kernelRegularizer);
    this.biasRegularizer = getRegularizer(options.biasRegularizer);
    this.kernelConstraint = getConstraint(options.kernelConstraint);
    this.biasConstraint = getConstraint(options.biasConstraint);
    this.inputSpec = new InputSpec({ ndim: rank + 2 });
  }

  /** The kernel's shape for `inChannels` input channels. */
  protected abstract kernelShape(inChannels: number): number[];

  /** The convolution without bias and activation. */
  protected abstract convolve(inputs: Tensor, kernel: LayerWeight): Tensor;

  override build(inputShape: Shape): void {
    const channels = inputShape[inputShape.length - 1];
    if (channels === null || channels === undefined)
      throw new ValueError(`${this.label}: the channels axis (last) of the input must be known, got shape ` +
        `${fmtDims(inputShape)}`);
    this.kernel = this.addWeight({
      name: 'kernel', shape: this.kernelShape(channels), initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer, constraint: this.kernelConstraint,
    });
    if (this.useBias)
      this.bias = this.addWeight({
        name: 'bias', shape: [this.filters], initializer: this.biasInitializer,
        regularizer: this.biasRegularizer, constraint: this.biasConstraint,
      });
    this.inputSpec = new InputSpec({ ndim: this.rank + 2, axes: { [-1]: channels } });
  }

  override call(inputs: Tensor): Tensor {
    let y = this.convolve(inputs, this.kernel!);
    if (this.bias) y = add(y, this.bias);
    return this.activation(y);
  }

  override getConfig(): Config {
    const opt = <T>(v: T | null, f: (v: T) => Config): Config | null => (v ? f(v) : null);
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate,
      activation: serializeActivation(this.activation, this.label),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: opt(this.kernelRegularizer, serializeRegularizer),
      biasRegularizer: opt(this.biasRegularizer, serializeRegularizer),
      kernelConstraint: opt(this.kernelConstraint, serializeConstraint),
      biasConstraint: opt(this.biasConstraint, serializeConstraint),
    };
  }
}
