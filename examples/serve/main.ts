// Serves a compiled artifact over HTTP: `node dist/examples/serve/main.js DIR [--port 8080] [--host 127.0.0.1]`
// (DIR from `kiln compile`). POST /predict with JSON {"inputs": [[...], ...]} or raw float32 rows
// (application/octet-stream); GET /healthz.
import { Command } from 'commander';
import * as kiln from '../../src/index.js';
import { fromArtifact } from './served-model.js';
import { createServer } from './server.js';

const program = new Command()
  .name('kiln-serve')
  .description('Serve a compiled Kiln artifact: POST /predict (JSON or float32 rows), GET /healthz')
  .argument('<dir>', 'artifact directory written by `kiln compile` or kiln.compileModel')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'TCP port (0: any free port)', '8080')
  .option('--max-rows <n>', 'most rows per request (default: the artifact\'s max batch)')
  .option('--threads <n>', 'threads of the artifact\'s kernels')
  .parse();

const [dir] = program.args;
const opts = program.opts<{ host: string; port: string; maxRows?: string; threads?: string }>();
const intOption = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) program.error(`--${name} must be a non-negative integer, got "${v}"`);
  return n;
};

const t0 = performance.now();
const predictor = kiln.loadPredictor(dir, opts.threads === undefined ? {} : { numThreads: intOption('threads', opts.threads) });
const app = createServer({
  model: fromArtifact(predictor), logger: true,
  ...(opts.maxRows === undefined ? {} : { maxRows: intOption('max-rows', opts.maxRows) }),
});
const address = await app.listen({ host: opts.host, port: intOption('port', opts.port) });
app.log.info(`serving ${predictor.manifest.name} from ${dir} at ${address} (loaded in ${(performance.now() - t0).toFixed(0)} ms)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close());
