// The prediction service (fastify): POST /predict takes rows of features as JSON ({"inputs": [[...], ...]}) or as
// raw little-endian float32 (application/octet-stream, rows × features values) and answers {"outputs": [[...]]};
// GET /healthz reports the shapes. Every malformed request gets a 4xx with a message saying what was expected and
// what came; nothing malformed reaches the model.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { sizeOf, type ServedModel } from './served-model.js';

/** Options of createServer. */
export interface ServerOptions {
  /** The model behind POST /predict (fromArtifact(kiln.loadPredictor(dir)), or any ServedModel). */
  model: ServedModel;
  /** Most rows per request (default and upper bound: model.maxBatch). */
  maxRows?: number;
  /** Log requests (fastify's logger; default false). */
  logger?: boolean;
}

/** A client error: answered with `status` and {error: message}. */
class RequestError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

const JSON_TYPE = 'application/json';
const BINARY_TYPE = 'application/octet-stream';
// Generous room per JSON number ("-0.12345678901234567e-10," is 25 characters).
const JSON_BYTES_PER_VALUE = 32;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function checkRows(rows: number, maxRows: number): void {
  if (rows === 0) throw new RequestError(400, 'empty input: expected at least 1 row');
  if (rows > maxRows) throw new RequestError(400, `too many rows: got ${rows}, at most ${maxRows} per request`);
}

/** Rows from a JSON body {"inputs": [[...], ...]}, flattened. */
function rowsFromJson(body: unknown, features: number, maxRows: number): { data: Float32Array; rows: number } {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('inputs' in body))
    throw new RequestError(400, `expected a JSON object {"inputs": [[...], ...]}, got ${describe(body)}`);
  const inputs = (body as { inputs: unknown }).inputs;
  if (!Array.isArray(inputs))
    throw new RequestError(400, `"inputs" must be an array of rows, got ${describe(inputs)}`);
  checkRows(inputs.length, maxRows);
  const data = new Float32Array(inputs.length * features);
  inputs.forEach((row: unknown, r) => {
    if (!Array.isArray(row)) throw new RequestError(400, `inputs[${r}] must be an array of ${features} numbers, got ` +
      `${describe(row)}`);
    if (row.length !== features)
      throw new RequestError(400, `inputs[${r}] has ${row.length} values, expected ${features} (features per row)`);
    row.forEach((v: unknown, c) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new RequestError(400, `inputs[${r}][${c}] is ${describe(v)}, expected a finite number`);
      data[r * features + c] = v;
    });
  });
  return { data, rows: inputs.length };
}

/** Rows from raw little-endian float32 bytes. */
function rowsFromBinary(body: Buffer, features: number, maxRows: number): { data: Float32Array; rows: number } {
  if (body.length % 4 !== 0)
    throw new RequestError(400, `binary body of ${body.length} bytes is not a whole number of float32 values ` +
      `(4 bytes each)`);
  const count = body.length / 4;
  if (count % features !== 0)
    throw new RequestError(400, `binary body holds ${count} float32 values, not a multiple of ${features} ` +
      `(features per row)`);
  const rows = count / features;
  checkRows(rows, maxRows);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = body.readFloatLE(i * 4);
    if (!Number.isFinite(v))
      throw new RequestError(400, `value ${i} (row ${Math.floor(i / features)}, column ${i % features}) is ${v}, ` +
        `expected a finite number`);
    data[i] = v;
  }
  return { data, rows };
}

/** The service over `model`, not yet listening (call listen, or inject in tests). */
export function createServer({ model, maxRows = model.maxBatch, logger = false }: ServerOptions): FastifyInstance {
  if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > model.maxBatch)
    throw new RangeError(`maxRows must be an integer from 1 to the model's maxBatch ${model.maxBatch}, got ${maxRows}`);
  const features = sizeOf(model.inputShape);
  const outputs = sizeOf(model.outputShape);
  const binaryLimit = maxRows * features * 4;
  const jsonLimit = maxRows * features * JSON_BYTES_PER_VALUE + 1024;
  const app = Fastify({ logger, bodyLimit: Math.max(binaryLimit, jsonLimit) });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPE, { parseAs: 'string', bodyLimit: jsonLimit }, (_req, text, done) => {
    if (text.length === 0) return done(new RequestError(400, 'empty body: expected {"inputs": [[...], ...]}'));
    try {
      done(null, JSON.parse(text as string));
    } catch (e) {
      done(new RequestError(400, `malformed JSON: ${(e as Error).message}`));
    }
  });
  app.addContentTypeParser(BINARY_TYPE, { parseAs: 'buffer', bodyLimit: binaryLimit }, (_req, buf, done) => {
    done(null, buf);
  });

  app.setErrorHandler((error: FastifyError | RequestError, request, reply) => {
    if (error instanceof RequestError) return reply.code(error.statusCode).send({ error: error.message });
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply.code(413).send({ error: `body too large: ${request.headers['content-length'] ?? '?'} bytes, ` +
        `the limit is ${request.headers['content-type']?.startsWith(BINARY_TYPE) ? binaryLimit : jsonLimit} bytes ` +
        `(${maxRows} rows of ${features} values)` });
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')
      return reply.code(415).send({ error: `unsupported content type ${JSON.stringify(request.headers['content-type']
        ?? null)}, expected ${JSON_TYPE} or ${BINARY_TYPE}` });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
      return reply.code(error.statusCode).send({ error: error.message });
    request.log.error(error);
    return reply.code(500).send({ error: `prediction failed: ${error.message}` });
  });

  app.get('/healthz', async () => ({
    status: 'ok', inputShape: model.inputShape, outputShape: model.outputShape, maxRows,
  }));

  app.post('/predict', async (request) => {
    const body = request.body;
    if (body === undefined)
      throw new RequestError(415, `missing content type, expected ${JSON_TYPE} or ${BINARY_TYPE}`);
    const { data, rows } = Buffer.isBuffer(body) ? rowsFromBinary(body, features, maxRows)
      : rowsFromJson(body, features, maxRows);
    const y = await model.predict(data, rows);
    if (y.length !== rows * outputs)
      throw new Error(`the model returned ${y.length} values for ${rows} rows, expected ${rows * outputs}`);
    return { outputs: Array.from({ length: rows }, (_, r) => Array.from(y.subarray(r * outputs, (r + 1) * outputs))) };
  });
  return app;
}
