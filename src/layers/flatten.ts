// Flatten: keeps the batch axis and flattens the others (Keras `Flatten`).
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { reshape, transpose } from '../ops/prims/movement.js';
import { InputSpec } from '../engine/input-spec.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Where the channels axis is: last (Keras 'channels_last', the default) or right after the batch axis. */
export type DataFormat = 'channelsLast' | 'channelsFirst';

/** Options of Flatten. */
export interface FlattenOptions extends LayerOptions {
  /** With 'channelsFirst', channels are moved last before flattening, so that the order matches channels-last. */
  dataFormat?: DataFormat;
}

/** [batch, ...dims] → [batch, product(dims)]; a rank-1 input becomes [batch, 1]. */
export class Flatten extends Layer {
  readonly dataFormat: DataFormat;

  constructor(options: FlattenOptions = {}) {
    super(options);
    const { dataFormat = 'channelsLast' } = options;
    if (dataFormat !== 'channelsLast' && dataFormat !== 'channelsFirst')
      throw new ValueError(`${this.label}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${dataFormat}`);
    this.dataFormat = dataFormat;
    this.inputSpec = new InputSpec({ minNdim: 1 });
  }

  override call(inputs: Tensor): Tensor {
    let x = inputs;
    if (this.dataFormat === 'channelsFirst' && x.rank > 2) {
      const perm = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1];
      x = transpose(x, perm);
    }
    const rest = x.shape.slice(1).reduce((a, b) => a * b, 1);
    return reshape(x, [x.shape[0], rest]);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

registerLayer(Flatten);
