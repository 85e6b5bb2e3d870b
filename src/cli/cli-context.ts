import { loadConfig, type Config } from '../config/config.ts';
import { createApp, type App } from '../app.ts';
import { PGLITE_BULK_SHARED_BUFFERS_MB } from '../db/db.settings.ts';
import { holdDataDir } from './data-lock.ts';

/** Options every command that touches storage accepts. */
export interface StorageFlags {
  readonly data?: string;
  readonly databaseUrl?: string;
}

/** An error the CLI prints as one line and exits with. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

let cliEnv: NodeJS.ProcessEnv = process.env;

/** Makes the CLI read its config from `env` (an in-process run, src/cli/program.ts); returns the undo. */
export function useCliEnv(env: NodeJS.ProcessEnv): () => void {
  const before = cliEnv;
  cliEnv = env;
  return () => {
    cliEnv = before;
  };
}

/** Loads the config from the environment and the command's flags. */
export function cliConfig(flags: StorageFlags & { host?: string; port?: string }): Config {
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new CliError(`--port must be 0 to 65535, got "${flags.port}"`, 2);
  return loadConfig(cliEnv, { dataDir: flags.data, databaseUrl: flags.databaseUrl, host: flags.host, port });
}

/**
 * Opens the app on the database directly, holding a PGlite folder while it runs. `bulk` (an import): PGlite gets the
 * bulk load's shared buffers unless KESSETSU_PGLITE_SHARED_BUFFERS_MB names its own.
 */
export async function withDirectApp<T>(flags: StorageFlags, fn: (app: App) => Promise<T>, opts: { index?: boolean; bulk?: boolean } = {}): Promise<T> {
  const loaded = cliConfig(flags);
  const config = opts.bulk && cliEnv.KESSETSU_PGLITE_SHARED_BUFFERS_MB === undefined ? { ...loaded, pgliteSharedBuffersMb: PGLITE_BULK_SHARED_BUFFERS_MB } : loaded;
  let release = (): void => {};
  if (!config.databaseUrl) {
    try {
      release = holdDataDir(config.dataDir);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  const app = await createApp(config, { index: opts.index ?? false });
  try {
    return await fn(app);
  } finally {
    await app.close();
    release();
  }
}

/** Calls the API of a running hub (admin commands with --url and --key). */
export async function callApi(url: string, key: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(new URL(path, url), {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((err: Error) => {
    throw new CliError(`cannot reach ${url}: ${err.message}`);
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new CliError(`${method} ${path}: HTTP ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const msg = (json as { error?: { message?: string } } | null)?.error?.message ?? text;
    throw new CliError(`${method} ${path}: HTTP ${res.status}: ${msg}`);
  }
  return json;
}
