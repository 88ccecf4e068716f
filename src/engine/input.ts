// kiln.input and InputLayer (Keras `Input` / `InputLayer`): the start of a functional model, a symbolic tensor
// whose batch dim (and any dim given as null) is unknown.
import type { DType } from '../core/dtype.js';
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { InputSpec, type Shape } from './input-spec.js';
import { Layer, type LayerOptions } from './layer.js';
import { KerasHistory, Node, UNKNOWN_DIM, makeKerasTensor, recordNode } from './node.js';
import { registerLayer, type Config } from './registry.js';
import './op-layer.js';

/** Options of kiln.input() (Keras `Input`). */
export interface InputOptions {
  /** Shape of one sample, without the batch dim; null for dims unknown until run time. */
  shape?: Shape;
  /** Fixed batch size (default: unknown). */
  batchSize?: number | null;
  /** Shape including the batch dim (instead of shape and batchSize). */
  batchShape?: Shape;
  /** Dtype of the input (default float32). */
  dtype?: DType;
  /** Layer name (default input_layer, input_layer_1, ...). */
  name?: string;
}

function checkDims(what: string, shape: unknown): Shape {
  if (!Array.isArray(shape) || shape.some((d) => d !== null && (!Number.isInteger(d) || d < 0)))
    throw new ShapeError(`${what}: shape must be a list of non-negative integers or null, got ${JSON.stringify(shape)}`);
  return shape as Shape;
}

/** The layer behind kiln.input(): its one node has no inputs and its output is the symbolic input tensor. */
export class InputLayer extends Layer<Tensor, Tensor> {
  /** The input shape, batch dim first (null where unknown). */
  readonly batchShape: Shape;
  /** The symbolic tensor this layer stands for. */
  readonly output: Tensor;

  constructor(options: InputOptions = {}) {
    const { shape, batchSize = null, batchShape, dtype = 'float32', name } = options;
    super({ name, dtype } as LayerOptions);
    if ((shape === undefined) === (batchShape === undefined))
      throw new ValueError(`${this.label}: give exactly one of shape and batchShape`);
    this.batchShape = batchShape !== undefined ? [...checkDims(this.label, batchShape)]
      : [batchSize, ...checkDims(this.label, shape)];
    this.inputSpec = new InputSpec({ shape: this.batchShape, dtype });
    this.autocast = false;
    this.built = true;
    this.output = makeKerasTensor(this.batchShape.map((d) => d ?? UNKNOWN_DIM), dtype, new KerasHistory(this, 0, 0));
    recordNode(new Node(this, 0, [], false, [this.output], false, undefined));
  }

  override call(inputs: Tensor): Tensor {
    return inputs;
  }

  override getConfig(): Config {
    return { name: this.name, batchShape: [...this.batchShape], dtype: this.dtype };
  }
}

registerLayer(InputLayer);

/** A symbolic input tensor for the functional API (Keras `Input`); its shape shows unknown dims as -1. */
export function input(options: InputOptions): Tensor {
  if (options === null || typeof options !== 'object')
    throw new ValueError(`input: expected options {shape, dtype, name}, got ${JSON.stringify(options)}`);
  return new InputLayer(options).output;
}

/** The InputLayer of a symbolic input tensor, or null. */
export function inputLayerOf(t: Tensor): InputLayer | null {
  return t.symbolic instanceof KerasHistory && t.symbolic.layer instanceof InputLayer ? t.symbolic.layer : null;
}
