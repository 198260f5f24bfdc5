import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const loader = fileURLToPath(new URL('./loadApp.mjs', import.meta.url));

/** A function app laid out as deployed: dist/ from tsconfig.build.json, host.json, package.json, node_modules. */
export interface ProductionApp {
  directory: string;
  remove(): Promise<void>;
}

/** One registered binding, as @azure/functions hands it to the worker. */
export interface RegisteredBinding {
  type: string;
  direction: 'in' | 'out';
  name: string;
  [option: string]: unknown;
}

export interface RegisteredFunction {
  name: string;
  bindings: Record<string, RegisteredBinding>;
  /** `typeof` the callback the function was registered with. */
  handler: string;
}

/** What test/support/loadApp.mjs prints after importing the app. */
export interface LoadReport {
  importMs: number;
  importCpuMs: number;
  programmingModels: { name: string; version: string }[];
  functions: RegisteredFunction[];
  hooks: string[];
}

export type LoadResult = { ok: true; report: LoadReport } | { ok: false; exitCode: number | null; stderr: string };

/** Compiles the production entry into a fresh directory; node_modules is this checkout's, linked. */
export async function buildProductionApp(): Promise<ProductionApp> {
  const directory = await mkdtemp(join(tmpdir(), 'cmk-app-'));
  const remove = () => rm(directory, { recursive: true, force: true });
  try {
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(directory, 'dist'),
    ]);
    await Promise.all([
      copyFile(join(root, 'host.json'), join(directory, 'host.json')),
      copyFile(join(root, 'package.json'), join(directory, 'package.json')),
      symlink(join(root, 'node_modules'), join(directory, 'node_modules'), 'dir'),
    ]);
  } catch (error) {
    await remove();
    throw error;
  }
  return { directory, remove };
}

/** An app whose entry (package.json "main") holds `source`, to see what a failing entry looks like. */
export async function appWithEntry(source: string): Promise<ProductionApp> {
  const directory = await mkdtemp(join(tmpdir(), 'cmk-app-'));
  await writeFile(join(directory, 'package.json'), JSON.stringify({ type: 'module', main: 'index.js' }));
  await writeFile(join(directory, 'index.js'), source);
  return { directory, remove: () => rm(directory, { recursive: true, force: true }) };
}

/** Loads the app in a fresh node process, as the Functions worker would, with exactly `env` as its environment. */
export async function loadApp(directory: string, env: Record<string, string> = {}): Promise<LoadResult> {
  try {
    const { stdout } = await run(process.execPath, [loader, directory], env);
    const lastLine = stdout.trimEnd().split('\n').at(-1) ?? '';
    return { ok: true, report: JSON.parse(lastLine) as LoadReport };
  } catch (error) {
    const { code, stderr } = error as { code?: number | null; stderr?: string };
    return { ok: false, exitCode: code ?? null, stderr: stderr ?? String(error) };
  }
}

function run(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: root, env: env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      // An ExecFileException is an Error, which its type (an intersection of Omits) no longer says.
      (error: Error | null, stdout, stderr) => {
        if (error) reject(Object.assign(error, { message: `${error.message}${stdout}`, stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });
}
