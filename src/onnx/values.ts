// Values of the graph being exported, and their layout. Kiln is channels-last; ONNX's Conv and pools are
// channels-first. A value is kept in whichever layout its producer left it (`perm`: the ONNX tensor is Kiln's
// tensor transposed by perm), so a run of convolutions, pools and elementwise layers transposes once on the way in
// and once on the way out (before Flatten, Dense, Reshape, ...), and the flatten order matches Kiln's.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Shape } from '../engine/input-spec.js';
import type { AnyLayer } from '../engine/layer.js';
import type { Variable } from '../core/variable.js';
import type { GraphBuilder } from './graph-builder.js';

/** A value of the ONNX graph: its name, its shape in Kiln's (channels-last) order, and its layout. */
export interface OnnxValue {
  name: string;
  shape: Shape;
  /** null: Kiln's layout; else the ONNX tensor is the Kiln tensor transposed by perm. */
  perm: readonly number[] | null;
}

/** Kiln's channels-last axes → channels-first: [0, rank-1, 1, ..., rank-2]. */
export function channelsFirstPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

function samePerm(a: readonly number[] | null, b: readonly number[] | null): boolean {
  return a === b || (a !== null && b !== null && a.length === b.length && a.every((d, i) => d === b[i]));
}

/** What a layer's converter gets: the graph, the layer, and layout helpers. */
export class LayerContext {
  constructor(readonly g: GraphBuilder, readonly layer: AnyLayer) {}

  /** `Dense "fc1"`: how errors name the layer. */
  get label(): string {
    return `${this.layer.constructor.name} "${this.layer.name}"`;
  }

  /** Base for the names of the nodes and constants of this layer. */
  get base(): string {
    return this.layer.name;
  }

  /** `v` in Kiln's layout (a Transpose back when it is not). */
  asKiln(v: OnnxValue): OnnxValue {
    if (v.perm === null) return v;
    const inverse = v.perm.map((_, i) => v.perm!.indexOf(i));
    return { ...v, name: this.g.op('Transpose', [v.name], `${this.base}/to_channels_last`, { perm: { ints: inverse } }),
      perm: null };
  }

  /** `v` in the channels-first layout ONNX's Conv and pools want. */
  asChannelsFirst(v: OnnxValue): OnnxValue {
    const want = channelsFirstPerm(v.shape.length);
    if (samePerm(v.perm, want)) return v;
    const k = this.asKiln(v);
    return { ...k, name: this.g.op('Transpose', [k.name], `${this.base}/to_channels_first`, { perm: { ints: want } }),
      perm: want };
  }

  /** The ONNX axis of `v` that holds Kiln's axis `axis` (negative counts from the end). */
  onnxAxis(v: OnnxValue, axis: number): number {
    const a = axis < 0 ? axis + v.shape.length : axis;
    return v.perm === null ? a : v.perm.indexOf(a);
  }

  /** The values all in one layout: their common one if they share it and their rank, else Kiln's. */
  sameLayout(vs: readonly OnnxValue[]): OnnxValue[] {
    const shared = vs.every((v) => samePerm(v.perm, vs[0].perm) && v.shape.length === vs[0].shape.length);
    return shared ? [...vs] : vs.map((v) => this.asKiln(v));
  }

  /** A float32 weight's values (copied) with a clear error for other dtypes. */
  weight(w: Variable | null, what: string): Float32Array {
    if (!w) throw new ValueError(`${this.label}: has no ${what}; build the layer before exporting`);
    const t: Tensor = w.peek();
    if (t.dtype !== 'float32')
      throw new ValueError(`${this.label}: ONNX export supports float32 weights, got ${what} of dtype ${t.dtype}`);
    return Float32Array.from(t.dataSync() as Float32Array);
  }
}
