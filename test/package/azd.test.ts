/**
 * What `azd deploy` does with this repository, as scripts/azd.mjs follows it for `npm run package:check`
 * (Azure/azure-dev@ae35809f): azure.yaml and the scripts azd runs, the remoteBuild check on the root .funcignore, the
 * error for a missing package folder, and the zip. Quick: no npm install, no build (npm run package:check does those).
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

interface ZipEntry {
  name: string;
  path: string;
  size: number;
  mode: number;
  mtime: Date;
}

/** scripts/azd.mjs, plain JavaScript, so imported by URL and typed here. */
interface Azd {
  azdCommands: { restore: string[]; build: string[] };
  readServices(projectRoot: string): Record<string, Record<string, unknown>>;
  dependenciesUpToDate(projectDir: string): boolean;
  packageSource(projectDir: string, dist?: string): string;
  packageSourceMissing(packagePath: string): string;
  resolveRemoteBuild(projectDir: string, remoteBuild?: boolean): boolean;
  zipEntries(source: string, options?: { remoteBuild?: boolean }): ZipEntry[];
  writeZip(entries: ZipEntry[], archive: string): number;
  extractZip(archive: string, directory: string): string[];
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const scriptUrl = (name: string) => pathToFileURL(join(root, 'scripts', name)).href;
const azd = (await import(scriptUrl('azd.mjs'))) as Azd;
const { deployIgnore } = (await import(scriptUrl('deployPackage.mjs'))) as { deployIgnore: string };

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'cmk-azd-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function files(directory: string, contents: Record<string, string>): void {
  for (const [name, text] of Object.entries(contents)) {
    mkdirSync(dirname(join(directory, name)), { recursive: true });
    writeFileSync(join(directory, name), text);
  }
}

describe('azd deploy of this repository', () => {
  it('deploys one TypeScript function app from .deploy/, with no remote build', () => {
    expect(azd.readServices(root)).toEqual({
      monitor: { project: '.', language: 'ts', host: 'function', dist: '.deploy', remoteBuild: false },
    });
  });

  it('runs the build script, which builds the package; npm run package is the same script', () => {
    // framework_service_node.go:141 and :218-221 with node.go:94 and :104: the only npm commands azd runs.
    expect(azd.azdCommands).toEqual({
      restore: ['npm', 'install', '--no-audit', '--no-fund', '--prefer-offline'],
      build: ['npm', 'run', 'build', '--if-present'],
    });
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.build).toBe('node scripts/package.mjs');
    expect(scripts.package).toBe(scripts.build);
  });

  it("passes azd's remoteBuild check: the root .funcignore does not exclude node_modules", () => {
    expect(azd.resolveRemoteBuild(root, false)).toBe(false);
  });

  it('writes into .deploy/ a .funcignore that excludes nothing', () => {
    expect(deployIgnore.split('\n').filter((line) => line.trim() && !line.startsWith('#'))).toEqual([]);
    files(folder, {
      '.funcignore': deployIgnore,
      'host.json': '{}',
      'dist/functions/index.js': '',
      'node_modules/zod/package.json': '{}',
    });
    expect(azd.zipEntries(folder, { remoteBuild: false }).map((entry) => entry.name)).toEqual([
      'dist/functions/index.js',
      'host.json',
      'node_modules/zod/package.json',
    ]);
  });
});

describe("azd's remoteBuild check on the project's .funcignore", () => {
  it('refuses remoteBuild: false when the file excludes node_modules', () => {
    files(folder, { '.funcignore': 'node_modules/\n' });
    expect(() => azd.resolveRemoteBuild(folder, false)).toThrow(
      "'remoteBuild: false' cannot be used when '.funcignore' excludes node_modules",
    );
    expect(azd.resolveRemoteBuild(folder, true)).toBe(true);
    expect(azd.resolveRemoteBuild(folder, undefined)).toBe(true);
  });

  it('takes files under node_modules for what they are, not the folder', () => {
    files(folder, { '.funcignore': '/node_modules/**/*.map\n*.ts\n' });
    expect(azd.resolveRemoteBuild(folder, false)).toBe(false);
    expect(() => azd.resolveRemoteBuild(folder, true)).toThrow(
      "'remoteBuild: true' requires '.funcignore' to exclude node_modules",
    );
  });

  it('without the file, takes the setting as it is, a remote build when unset', () => {
    expect(azd.resolveRemoteBuild(folder, false)).toBe(false);
    expect(azd.resolveRemoteBuild(folder, undefined)).toBe(true);
  });
});

describe("azd's package step", () => {
  it("stops with azd's own error when the build left no .deploy/, or an empty one", () => {
    const deploy = join(folder, '.deploy');
    const message =
      `package source '${deploy}' is empty or does not exist. If your service has custom packaging requirements create a script ` +
      `named 'build' within your package.json and ensure your package artifacts are written to the '${deploy}' directory`;
    expect(azd.packageSourceMissing(deploy)).toBe(message);
    expect(() => azd.packageSource(folder, '.deploy')).toThrow(message);
    mkdirSync(deploy);
    expect(() => azd.packageSource(folder, '.deploy')).toThrow(message);
    files(deploy, { 'host.json': '{}' });
    expect(azd.packageSource(folder, '.deploy')).toBe(deploy);
  });

  it('skips the restore only when node_modules/.package-lock.json is not older than package-lock.json', () => {
    files(folder, { 'package-lock.json': '{}' });
    expect(azd.dependenciesUpToDate(folder)).toBe(false);
    files(folder, { 'node_modules/.package-lock.json': '{}' });
    const lock = statSync(join(folder, 'package-lock.json')).mtime;
    utimesSync(join(folder, 'node_modules/.package-lock.json'), lock, new Date(lock.getTime() - 60_000));
    expect(azd.dependenciesUpToDate(folder)).toBe(false);
    utimesSync(join(folder, 'node_modules/.package-lock.json'), lock, new Date(lock.getTime() + 60_000));
    expect(azd.dependenciesUpToDate(folder)).toBe(true);
  });
});

describe("azd's zip", () => {
  it('leaves out .azure folders, .funcignore and local.settings.json at any depth, and what the .funcignore excludes', () => {
    files(folder, {
      '.funcignore': '*.log\n/docs/\n',
      '.azure/env/.env': 'SECRET=1',
      'dist/.azure/x.js': '',
      'dist/index.js': 'export {};',
      'dist/local.settings.json': '{}',
      'dist/trace.log': '',
      'docs/readme.txt': '',
      'local.settings.json': '{}',
      'node_modules/a/.funcignore': '',
      'node_modules/a/index.js': '',
    });
    expect(azd.zipEntries(folder, { remoteBuild: false }).map((entry) => entry.name)).toEqual([
      'dist/index.js',
      'node_modules/a/index.js',
    ]);
  });

  it('keeps node_modules without a .funcignore only with remoteBuild: false', () => {
    files(folder, { 'index.js': '', 'node_modules/a/index.js': '' });
    expect(azd.zipEntries(folder, { remoteBuild: false }).map((entry) => entry.name)).toEqual([
      'index.js',
      'node_modules/a/index.js',
    ]);
    expect(azd.zipEntries(folder, {}).map((entry) => entry.name)).toEqual(['index.js']);
  });

  it('puts the files at the root, follows links to files, and keeps the modes', () => {
    const source = join(folder, 'source');
    files(source, { 'host.json': '{"version":"2.0"}', 'node_modules/a/cli.js': '#!/usr/bin/env node\n' });
    chmodSync(join(source, 'node_modules/a/cli.js'), 0o755);
    symlinkSync('../a/cli.js', join(source, 'node_modules/a/link.js'));
    const entries = azd.zipEntries(source, { remoteBuild: false });
    expect(entries.map((entry) => entry.name)).toEqual([
      'host.json',
      'node_modules/a/cli.js',
      'node_modules/a/link.js',
    ]);

    const archive = join(folder, 'package.zip');
    azd.writeZip(entries, archive);
    const site = join(folder, 'site');
    expect(azd.extractZip(archive, site)).toEqual(['host.json', 'node_modules/a/cli.js', 'node_modules/a/link.js']);
    expect(readFileSync(join(site, 'host.json'), 'utf8')).toBe('{"version":"2.0"}');
    expect(readFileSync(join(site, 'node_modules/a/link.js'), 'utf8')).toBe('#!/usr/bin/env node\n');
    expect(lstatSync(join(site, 'node_modules/a/link.js')).isSymbolicLink()).toBe(false);
    if (process.platform !== 'win32') expect(statSync(join(site, 'node_modules/a/cli.js')).mode & 0o777).toBe(0o755);
  });
});
