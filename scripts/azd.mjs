// What `azd package`, `azd deploy` and `azd up` do with this project's one service (language: ts, host: function), step
// by step, so `npm run package:check` can follow them without azd or Azure. Every step cites the azd source it follows:
// Azure/azure-dev at ae35809f (paths under cli/azd/pkg/).
//   1. restore: `npm install --no-audit --no-fund --prefer-offline` in the service's folder (tools/node/node.go:94,
//      project/framework_service_node.go:141), skipped when node_modules/.package-lock.json is newer than
//      package-lock.json (tools/node/detect.go:89-136). A Node service requires restore before package and does not
//      require a build (framework_service_node.go:98-105), so deploy runs restore, then package.
//   2. package: `npm run build --if-present` (framework_service_node.go:218-221, node.go:104): no `npm run package`,
//      and no prune (npmCli.Prune, node.go:111-115, is never called). The package source is <project>/<dist>
//      (framework_service_node.go:185,232); missing or empty, it is an error (:235-243, packageSourceMissing below).
//   3. the zip of that folder (project/service_target_functionapp.go:184-198, project/project_utils.go): its files at
//      the zip's root (rzip/rzip.go:77), symbolic links followed (rzip.go:51), no directory entries; less any folder
//      named .azure, any file named .funcignore or local.settings.json (project_utils.go:63-76) and what the
//      .funcignore at the root of the zipped folder excludes (project_utils.go:34). Without that file, node_modules
//      is kept only when azure.yaml says `remoteBuild: false` (project_utils.go:95-103).
//   4. before uploading, the remoteBuild setting is checked against the .funcignore of the PROJECT folder, not the
//      zipped one (service_target_functionapp.go:30,71-75): `remoteBuild: false` fails if that file excludes
//      node_modules. Flex Consumption then takes the zip in one POST to <scm host>/api/publish
//      (azsdk/funcapp_host_client.go:71,81-82), RemoteBuild=true in the query only with a remote build.
// Ignore patterns are matched here by git (ls-files, check-ignore); azd matches them with github.com/denormal/go-gitignore.
// The two agree on the patterns this project uses, and .deploy/.funcignore holds no pattern at all.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import AdmZip from 'adm-zip';

export const azdCommit = 'Azure/azure-dev@ae35809f';
export const ignoreFile = '.funcignore';

/** The commands azd runs, exactly as it runs them. */
export const azdCommands = {
  restore: ['npm', 'install', '--no-audit', '--no-fund', '--prefer-offline'],
  build: ['npm', 'run', 'build', '--if-present'],
};

/**
 * The services of azure.yaml: for each, project, language, host, dist and remoteBuild. Reads the indentation of a
 * plain YAML mapping (what azure.yaml holds); list items and anything else are skipped.
 */
export function readServices(projectRoot) {
  const lines = readFileSync(join(projectRoot, 'azure.yaml'), 'utf8').split(/\r?\n/);
  const root = {};
  const stack = [{ indent: -1, node: root }];
  for (const line of lines) {
    const match = /^( *)([A-Za-z0-9_.-]+):(?:\s+(.*?))?\s*$/.exec(line.replace(/\s+#.*$/, ''));
    if (!match || line.trimStart().startsWith('#')) continue;
    const [, spaces, key, raw] = match;
    const indent = spaces.length;
    while (stack.at(-1).indent >= indent) stack.pop();
    const parent = stack.at(-1).node;
    if (raw === undefined || raw === '') {
      parent[key] = {};
      stack.push({ indent, node: parent[key] });
    } else {
      parent[key] = raw === 'true' ? true : raw === 'false' ? false : raw.replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  return root.services ?? {};
}

/** The environment azd's commands would see from a shell: without what an enclosing `npm run` adds. */
export function shellEnv(env = process.env) {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('npm_') && name !== 'INIT_CWD' && name !== 'NODE'),
  );
  const pathKey = Object.keys(clean).find((name) => name.toUpperCase() === 'PATH') ?? 'PATH';
  clean[pathKey] = (clean[pathKey] ?? '')
    .split(delimiter)
    .filter((entry) => entry && !/node_modules[\\/]\.bin$/.test(entry) && !/node-gyp-bin$/.test(entry))
    .join(delimiter);
  return clean;
}

/** detect.go:89-136: npm's restore is skipped when node_modules/.package-lock.json is not older than package-lock.json. */
export function dependenciesUpToDate(projectDir) {
  try {
    const lock = statSync(join(projectDir, 'package-lock.json'));
    statSync(join(projectDir, 'node_modules'));
    return statSync(join(projectDir, 'node_modules', '.package-lock.json')).mtimeMs >= lock.mtimeMs;
  } catch {
    return false;
  }
}

/** Runs one of azdCommands in `cwd`, with its output passed through when `echo`; throws with the output on failure. */
export function runCommand([command, ...args], cwd, { env = shellEnv(), echo = false } = {}) {
  try {
    // npm is npm.cmd on Windows, which only a shell runs.
    return execFileSync(command, args, {
      cwd,
      env,
      encoding: 'utf8',
      shell: process.platform === 'win32',
      stdio: echo ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(
      `${[command, ...args].join(' ')} in ${cwd} exited with ${error.status ?? error.code}\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      { cause: error },
    );
  }
}

/** azd's error for a package source that is missing or empty, word for word (framework_service_node.go:235-243). */
export function packageSourceMissing(packagePath) {
  return (
    `package source '${packagePath}' is empty or does not exist. If your service has custom packaging requirements create ` +
    `a script named 'build' within your package.json and ensure your package artifacts are written to the '${packagePath}' directory`
  );
}

/** The folder azd zips: <project>/<dist>, which must exist and hold something (framework_service_node.go:224-243). */
export function packageSource(projectDir, dist) {
  const packagePath = dist ? join(projectDir, dist) : projectDir;
  let entries;
  try {
    entries = readdirSync(packagePath);
  } catch {
    entries = [];
  }
  if (entries.length === 0) throw new Error(packageSourceMissing(packagePath));
  return packagePath;
}

/**
 * resolveFunctionAppRemoteBuild for JavaScript and TypeScript (service_target_functionapp.go:26-76): reads the
 * .funcignore of the project folder; returns the remote build setting or throws azd's error.
 */
export function resolveRemoteBuild(projectDir, remoteBuild) {
  const path = join(projectDir, ignoreFile);
  if (!existsSync(path)) return remoteBuild ?? true;
  const nodeModulesExcluded = excludesDirectory(path, 'node_modules');
  if (remoteBuild === undefined) return nodeModulesExcluded;
  if (remoteBuild && !nodeModulesExcluded)
    throw new Error(`'remoteBuild: true' requires '${ignoreFile}' to exclude node_modules`);
  if (!remoteBuild && nodeModulesExcluded)
    throw new Error(`'remoteBuild: false' cannot be used when '${ignoreFile}' excludes node_modules`);
  return remoteBuild;
}

/** Whether the ignore file excludes the directory `name` itself (go-gitignore's Relative(name, true)), asked of git. */
export function excludesDirectory(ignorePath, name) {
  const scratch = mkdtempSync(join(tmpdir(), 'cmk-ignore-'));
  try {
    git(['init', '-q', '--template=', scratch], scratch);
    mkdirSync(join(scratch, name));
    try {
      git(['-c', `core.excludesFile=${resolve(ignorePath)}`, 'check-ignore', '-q', '--no-index', `${name}/`], scratch);
      return true;
    } catch (error) {
      if (error.status === 1) return false;
      throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The files azd puts in the zip of `source` (createDeployableZip, project_utils.go:22-130, over rzip.go's walk): zip
 * name, the file read (a link followed), size and mode, in the walk's order. `remoteBuild` is azure.yaml's value
 * (undefined when unset), which matters only without an ignore file.
 */
export function zipEntries(folder, { remoteBuild } = {}) {
  const source = resolve(folder);
  const ignorePath = join(source, ignoreFile);
  const kept = existsSync(ignorePath) ? keptByIgnoreFile(source, ignorePath) : null;
  const entries = [];
  const walk = (directory, prefix) => {
    for (const name of readdirSync(directory).sort()) {
      const path = join(directory, name);
      const zipName = prefix ? `${prefix}/${name}` : name;
      const link = lstatSync(path);
      const target = link.isSymbolicLink() ? statSync(path) : link;
      const isDir = target.isDirectory();
      if (name === '.azure' && isDir) continue;
      if (name === ignoreFile && !isDir) continue;
      if (name === 'local.settings.json' && !isDir) continue;
      if (kept === null && name === 'node_modules' && isDir && remoteBuild !== false) continue;
      if (isDir) {
        if (link.isSymbolicLink())
          throw new Error(`${zipName} links to a folder: azd follows it, this check does not (yet)`);
        walk(path, zipName);
      } else if (kept === null || kept.has(zipName)) {
        entries.push({ name: zipName, path, size: target.size, mode: target.mode, mtime: target.mtime });
      }
    }
  };
  walk(source, '');
  return entries;
}

/** The files under `directory` that the ignore file does not exclude, matched by git's gitignore rules. */
function keptByIgnoreFile(directory, ignorePath) {
  const scratch = mkdtempSync(join(tmpdir(), 'cmk-ignore-'));
  try {
    git(['init', '-q', '--template=', scratch], scratch);
    const listed = git(
      [
        '--git-dir',
        join(scratch, '.git'),
        '--work-tree',
        directory,
        'ls-files',
        '--others',
        '-z',
        `--exclude-from=${resolve(ignorePath)}`,
      ],
      directory,
    );
    return new Set(listed.split('\0').filter(Boolean));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function git(args, cwd) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Writes the entries as a zip (deflated, no directory entries, Unix modes, as Go's archive/zip writes them); returns its size. */
export function writeZip(entries, archive) {
  const zip = new AdmZip();
  for (const entry of entries) zip.addFile(entry.name, readFileSync(entry.path), '', entry.mode);
  zip.writeZip(archive);
  return statSync(archive).size;
}

/** Extracts a zip into `directory` as the host unpacks a package: files with their modes, no name outside it. */
export function extractZip(archive, directory) {
  const names = [];
  for (const entry of new AdmZip(archive).getEntries()) {
    if (entry.isDirectory) continue;
    const target = resolve(directory, entry.entryName);
    if (!target.startsWith(resolve(directory) + sep))
      throw new Error(`${archive}: ${entry.entryName} lands outside the folder`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.getData());
    const mode = (entry.attr >>> 16) & 0o777;
    if (process.platform !== 'win32' && mode) chmodSync(target, mode);
    names.push(relative(directory, target).split(sep).join('/'));
  }
  return names;
}
