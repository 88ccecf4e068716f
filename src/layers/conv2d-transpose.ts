// Conv2DTranspose: the transposed 2-D convolution (Keras `Conv2DTranspose`), i.e. the gradient of Conv2D with
// respect to its input, with the kernel laid out [kh, kw, filters, inC] as Keras does.
import type { Tensor } from '../core/tensor.js';
import { conv2dBackpropInput } from '../ops/prims/conv.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import { registerLayer } from '../engine/registry.js';
import { BaseConv, type BaseConvOptions } from './base-conv.js';

/** Options of Conv2DTranspose: those of every convolution, with padding 'valid' or 'same'. */
export type Conv2DTransposeOptions = BaseConvOptions;

/**
 * Keras `deconv_output_length` without output padding: 'valid' gives input·stride + max(k − stride, 0) and
 * 'same' gives input·stride, where k is the dilated kernel size.
 */
function deconvLength(input: number, kernel: number, stride: number, dilation: number, padding: string): number {
  const k = kernel + (kernel - 1) * (dilation - 1);
  return padding === 'valid' ? input * stride + Math.max(k - stride, 0) : input * stride;
}

/** [batch, H, W, inC] → [batch, outH, outW, filters] with a kernel of shape [kh, kw, filters, inC]. */
export class Conv2DTranspose extends BaseConv {
  constructor(options: Conv2DTransposeOptions) {
    super(2, options, ['valid', 'same']);
  }

  protected override kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, this.filters, inChannels];
  }

  protected override convolve(inputs: Tensor, kernel: LayerWeight): Tensor {
    const [n, h, w] = inputs.shape;
    const outShape = [n,
      deconvLength(h, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding),
      deconvLength(w, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding), this.filters];
    return conv2dBackpropInput(inputs, kernel, outShape, this.strides, this.padding as 'valid' | 'same',
      this.dilationRate);
  }
}

registerLayer(Conv2DTranspose);
