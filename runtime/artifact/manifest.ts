// The manifest of a compiled artifact (manifest.json): what the library computes, for which batch sizes, and the
// hashes and sizes every loader checks before touching the library or the weights. Parsed field by field: a
// manifest with a missing or mistyped field is an ArtifactError naming the field.
import type { DType } from '../../src/core/dtype.js';
import { isDType } from '../../src/core/dtype.js';
import { ArtifactError } from '../../src/core/errors.js';
import type { WeightEntry } from './weights-file.js';

/** The manifest format this Kiln writes and reads. */
export const MANIFEST_FORMAT = 'kiln-artifact';
export const MANIFEST_VERSION = 1;

/** An input or output: its shape with the batch dim first (null when runs may have 1..maxBatch rows). */
export interface TensorInfo {
  readonly name: string;
  readonly shape: readonly (number | null)[];
  readonly dtype: DType;
}

/** A weight entry of the manifest: the weights file's entry plus what it holds. */
export interface ManifestWeight extends WeightEntry {
  readonly name: string;
}

/** The parsed manifest.json. */
export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: number;
  readonly kilnVersion: string;
  /** The C symbol prefix: lib<name>.so exports <name>_create, <name>_run, ... */
  readonly name: string;
  readonly target: { readonly triple: string; readonly cpu: string; readonly features: string };
  readonly library: { readonly file: string; readonly bytes: number; readonly sha256: string };
  readonly header: string;
  readonly weights: { readonly file: string; readonly bytes: number; readonly sha256: string;
                      readonly entries: readonly ManifestWeight[] };
  /** Batch sizes: exactly maxBatch rows when fixed, else 1..maxBatch; plans lists the compiled batch sizes. */
  readonly batch: { readonly max: number; readonly fixed: boolean; readonly plans: readonly number[] };
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Shared libraries lib<name>.so needs at run time (its DT_NEEDED entries). */
  readonly runtimeDeps: readonly string[];
}

type Json = unknown;

class Reader {
  constructor(private readonly where: string) {}
  fail(field: string, want: string, got: Json): never {
    throw new ArtifactError(`${this.where}: field "${field}" must be ${want}, got ${JSON.stringify(got) ?? 'nothing'}`);
  }
  obj(v: Json, field: string): Record<string, Json> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(field, 'an object', v);
    return v as Record<string, Json>;
  }
  str(o: Record<string, Json>, key: string, field = key): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(field, 'a string', v);
    return v as string;
  }
  int(o: Record<string, Json>, key: string, field = key, min = 0): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(field, `an integer >= ${min}`, v);
    return v as number;
  }
  bool(o: Record<string, Json>, key: string, field = key): boolean {
    const v = o[key];
    if (typeof v !== 'boolean') this.fail(field, 'a boolean', v);
    return v as boolean;
  }
  arr(o: Record<string, Json>, key: string, field = key): Json[] {
    const v = o[key];
    if (!Array.isArray(v)) this.fail(field, 'an array', v);
    return v as Json[];
  }
  sha(o: Record<string, Json>, key: string, field: string): string {
    const v = this.str(o, key, field);
    if (!/^[0-9a-f]{64}$/.test(v)) this.fail(field, 'a SHA-256 in 64 hex digits', v);
    return v;
  }
  fileName(o: Record<string, Json>, key: string, field: string): string {
    const v = this.str(o, key, field);
    // A plain file name inside the artifact directory: no paths out of it.
    if (!/^[A-Za-z0-9_.-]+$/.test(v) || v.startsWith('.')) this.fail(field, 'a plain file name', v);
    return v;
  }
  tensor(v: Json, field: string): TensorInfo {
    const o = this.obj(v, field);
    const shape = this.arr(o, 'shape', `${field}.shape`).map((d, i) => {
      if (i === 0 && d === null) return null;
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) this.fail(`${field}.shape[${i}]`, 'a dim', d);
      return d as number;
    });
    if (shape.length === 0) this.fail(`${field}.shape`, 'a shape with a batch dim', shape);
    const dtype = o.dtype;
    if (!isDType(dtype)) this.fail(`${field}.dtype`, 'a dtype', dtype);
    return { name: this.str(o, 'name', `${field}.name`), shape, dtype: dtype as DType };
  }
}

/** Parses and checks manifest.json text (every field, its type and range); `where` names the file in errors. */
export function parseManifest(text: string, where: string): Manifest {
  const r = new Reader(where);
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ArtifactError(`${where}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const o = r.obj(json, '(root)');
  if (o.format !== MANIFEST_FORMAT) r.fail('format', `"${MANIFEST_FORMAT}"`, o.format);
  const formatVersion = r.int(o, 'formatVersion');
  if (formatVersion !== MANIFEST_VERSION) r.fail('formatVersion', String(MANIFEST_VERSION), formatVersion);
  const name = r.str(o, 'name');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) r.fail('name', 'a C identifier', name);
  const target = r.obj(o.target, 'target');
  const library = r.obj(o.library, 'library');
  const weights = r.obj(o.weights, 'weights');
  const batch = r.obj(o.batch, 'batch');
  const plans = r.arr(batch, 'plans', 'batch.plans').map((b, i) => {
    if (typeof b !== 'number' || !Number.isSafeInteger(b) || b < 1) r.fail(`batch.plans[${i}]`, 'a batch size', b);
    return b as number;
  });
  return {
    format: MANIFEST_FORMAT,
    formatVersion,
    kilnVersion: r.str(o, 'kilnVersion'),
    name,
    target: { triple: r.str(target, 'triple', 'target.triple'), cpu: r.str(target, 'cpu', 'target.cpu'),
      features: r.str(target, 'features', 'target.features') },
    library: { file: r.fileName(library, 'file', 'library.file'), bytes: r.int(library, 'bytes', 'library.bytes'),
      sha256: r.sha(library, 'sha256', 'library.sha256') },
    header: r.fileName(o, 'header', 'header'),
    weights: {
      file: r.fileName(weights, 'file', 'weights.file'), bytes: r.int(weights, 'bytes', 'weights.bytes'),
      sha256: r.sha(weights, 'sha256', 'weights.sha256'),
      entries: r.arr(weights, 'entries', 'weights.entries').map((e, i) => {
        const w = r.obj(e, `weights.entries[${i}]`);
        const f = `weights.entries[${i}]`;
        return { name: r.str(w, 'name', `${f}.name`), offset: r.int(w, 'offset', `${f}.offset`),
          bytes: r.int(w, 'bytes', `${f}.bytes`), dtype: r.int(w, 'dtype', `${f}.dtype`) };
      }),
    },
    batch: { max: r.int(batch, 'max', 'batch.max', 1), fixed: r.bool(batch, 'fixed', 'batch.fixed'), plans },
    inputs: r.arr(o, 'inputs').map((t, i) => r.tensor(t, `inputs[${i}]`)),
    outputs: r.arr(o, 'outputs').map((t, i) => r.tensor(t, `outputs[${i}]`)),
    runtimeDeps: r.arr(o, 'runtimeDeps').map((d, i) => {
      if (typeof d !== 'string') r.fail(`runtimeDeps[${i}]`, 'a string', d);
      return d as string;
    }),
  };
}
