import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import * as kiln from '../../src/index.js';
import { fromArtifact } from '../../examples/serve/served-model.js';
import { createServer } from '../../examples/serve/server.js';
import { randomTensor } from '../util/check.js';

const L = kiln.layers;
const FEATURES = 12, CLASSES = 4, MAX_ROWS = 16;

const model = new kiln.Sequential([
  kiln.input({ shape: [FEATURES] }),
  new L.Dense({ units: 8, activation: 'relu' }),
  new L.Dense({ units: CLASSES, activation: 'softmax' }),
], { name: 'served' });
let app: FastifyInstance;
let base = '';

// The service runs the model compiled to an artifact, as in production; outputs are checked against model.predict.
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-serve-'));
  kiln.compileModel(model, { outDir: dir, maxBatch: 32 });
  app = createServer({ model: fromArtifact(kiln.loadPredictor(dir)), maxRows: MAX_ROWS });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
});

function rows(n: number, seed: number): { x: kiln.Tensor; list: number[][] } {
  const x = randomTensor([n, FEATURES], seed, 'float32');
  return { x, list: x.array() as number[][] };
}

function expected(x: kiln.Tensor): number[][] {
  return (model.predict(x, { verbose: 0 }) as kiln.Tensor).array() as number[][];
}

/** What the service answers: outputs, or an error message. */
interface Reply {
  outputs?: number[][];
  error?: string;
}

async function post(body: string | Uint8Array<ArrayBuffer>, type: string | null): Promise<{ status: number; json: Reply }> {
  const headers: Record<string, string> = type ? { 'content-type': type } : {};
  const res = await fetch(`${base}/predict`, { method: 'POST', body, headers });
  return { status: res.status, json: await res.json() as Reply };
}

const postJson = (body: unknown) => post(JSON.stringify(body), 'application/json');
const floats = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);

describe('prediction service', () => {
  test('GET /healthz reports the input and output shapes', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', inputShape: [FEATURES], outputShape: [CLASSES], maxRows: MAX_ROWS });
  });

  test('a JSON request gets model.predict\'s outputs', async () => {
    const { x, list } = rows(5, 1);
    const { status, json } = await postJson({ inputs: list });
    expect(status).toBe(200);
    const want = expected(x);
    expect(json.outputs).toHaveLength(5);
    json.outputs!.forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(want[r][c], 5)));
  });

  test('a binary float32 request gets model.predict\'s outputs, the row count taken from the length', async () => {
    const { x } = rows(3, 2);
    const { status, json } = await post(floats(Array.from(x.dataSync())), 'application/octet-stream');
    expect(status).toBe(200);
    const want = expected(x);
    expect(json.outputs).toHaveLength(3);
    json.outputs!.forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(want[r][c], 5)));
  });

  test('a row of the wrong length is a 400 naming the row, expected and actual length', async () => {
    const { list } = rows(2, 3);
    list[1].pop();
    expect(await postJson({ inputs: list })).toEqual({ status: 400,
      json: { error: `inputs[1] has ${FEATURES - 1} values, expected ${FEATURES} (features per row)` } });
  });

  test('a value that is not a number is a 400 naming its position', async () => {
    const { list } = rows(1, 4);
    (list[0] as unknown[])[3] = 'x';
    const { status, json } = await postJson({ inputs: list });
    expect(status).toBe(400);
    expect(json.error).toBe('inputs[0][3] is the string "x", expected a finite number');
  });

  test('empty inputs, a missing inputs field and too many rows are 400s', async () => {
    expect(await postJson({ inputs: [] })).toEqual({ status: 400, json: { error: 'empty input: expected at least 1 row' } });
    expect((await postJson({ rows: [] })).json.error).toMatch(/expected a JSON object \{"inputs"/);
    const { list } = rows(MAX_ROWS + 1, 5);
    expect(await postJson({ inputs: list })).toEqual({ status: 400,
      json: { error: `too many rows: got ${MAX_ROWS + 1}, at most ${MAX_ROWS} per request` } });
  });

  test('malformed JSON and an empty JSON body are 400s', async () => {
    const bad = await post('{"inputs": [[1, 2', 'application/json');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^malformed JSON: /);
    const empty = await post('', 'application/json');
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatch(/empty body/);
  });

  test('binary bodies: NaN, a partial row or a partial float are 400s naming what was expected', async () => {
    const values = Array.from({ length: FEATURES }, () => 0.5);
    values[7] = NaN;
    expect(await post(floats(values), 'application/octet-stream')).toEqual({ status: 400,
      json: { error: 'value 7 (row 0, column 7) is NaN, expected a finite number' } });
    expect(await post(floats([1, 2, 3]), 'application/octet-stream')).toEqual({ status: 400,
      json: { error: `binary body holds 3 float32 values, not a multiple of ${FEATURES} (features per row)` } });
    expect((await post(new Uint8Array(6), 'application/octet-stream')).json.error)
      .toBe('binary body of 6 bytes is not a whole number of float32 values (4 bytes each)');
    expect((await post(new Uint8Array(0), 'application/octet-stream')).status).toBe(400);
  });

  test('a wrong content type is a 415 naming the accepted types', async () => {
    const { status, json } = await post('1,2,3', 'text/csv');
    expect(status).toBe(415);
    expect(json.error).toBe('unsupported content type "text/csv", expected application/json or ' +
      'application/octet-stream');
  });

  test('a body over the limit is a 413 naming the limit', async () => {
    const { status, json } = await post(new Uint8Array((MAX_ROWS + 1) * FEATURES * 4), 'application/octet-stream');
    expect(status).toBe(413);
    expect(json.error).toMatch(new RegExp(`limit is ${MAX_ROWS * FEATURES * 4} bytes`));
  });
});
