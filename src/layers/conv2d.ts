// Conv2D: 2-D convolution over [batch, height, width, channels] (Keras `Conv2D`, channels-last).
import type { Tensor } from '../core/tensor.js';
import { conv2d } from '../ops/prims/conv.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import { registerLayer } from '../engine/registry.js';
import { BaseConv, type BaseConvOptions } from './base-conv.js';

/** Options of Conv2D: those of every convolution, with padding 'valid' or 'same'. */
export type Conv2DOptions = BaseConvOptions;

/** [batch, H, W, inC] → [batch, outH, outW, filters] with a kernel of shape [kh, kw, inC, filters]. */
export class Conv2D extends BaseConv {
  constructor(options: Conv2DOptions) {
    super(2, options, ['valid', 'same']);
  }

  protected override kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, inChannels, this.filters];
  }

  protected override convolve(inputs: Tensor, kernel: LayerWeight): Tensor {
    return conv2d(inputs, kernel, this.strides, this.padding as 'valid' | 'same', this.dilationRate);
  }
}

registerLayer(Conv2D);
