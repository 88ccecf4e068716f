// Conv1D: 1-D convolution over [batch, steps, channels] (Keras `Conv1D`), including 'causal' padding.
import type { Tensor } from '../core/tensor.js';
import { conv1d } from '../ops/prims/conv.js';
import { pad } from '../ops/prims/pad.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import { registerLayer } from '../engine/registry.js';
import { BaseConv, type BaseConvOptions } from './base-conv.js';

/** Options of Conv1D: those of every convolution, with padding 'valid', 'same' or 'causal'. */
export type Conv1DOptions = BaseConvOptions;

/** [batch, steps, inC] → [batch, outSteps, filters] with a kernel of shape [kernelSize, inC, filters]. */
export class Conv1D extends BaseConv {
  constructor(options: Conv1DOptions) {
    super(1, options, ['valid', 'same', 'causal']);
  }

  protected override kernelShape(inChannels: number): number[] {
    return [this.kernelSize[0], inChannels, this.filters];
  }

  protected override convolve(inputs: Tensor, kernel: LayerWeight): Tensor {
    const [k] = this.kernelSize;
    const [stride] = this.strides;
    const [dilation] = this.dilationRate;
    if (this.padding !== 'causal') return conv1d(inputs, kernel, stride, this.padding, dilation);
    // Causal: pad the start by the dilated window minus one, so that output t sees inputs ≤ t only.
    const left = dilation * (k - 1);
    return conv1d(pad(inputs, [[0, 0], [left, 0], [0, 0]]), kernel, stride, 'valid', dilation);
  }
}

registerLayer(Conv1D);
