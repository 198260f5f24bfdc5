/**
 * The scan part's memory, measured as on the instance the monitor is deployed to: compiled JavaScript (the package
 * Azure runs, not TypeScript through tsx), in a process whose memory is the instance's.
 *
 * Node sizes V8's heap from the memory its process may use: the cgroup's limit when there is one, the machine's
 * otherwise (`SetIsolateCreateParamsForNode` in nodejs/node src/api/environment.cc: `uv_get_constrained_memory`, then
 * `ConfigureDefaults`). A larger heap limit also lets V8 grow the heap further past what its last full collection left
 * alive before it collects again. On this 24 GB machine Node gives V8 a 4,144 MiB heap; on the 2,048 MB Flex Consumption
 * instance `infra/app/function.bicep` deploys (instance memory sizes: learn.microsoft.com/azure/azure-functions/
 * flex-consumption-plan#instance-memory), 1,048 MiB (measured here in a cgroup of 2,048 MB). Where the machine lets the
 * bench make a memory cgroup (Linux, cgroup v1 or v2, the right to write to it), the part runs in one of
 * `BENCH_INSTANCE_MB` (2048 unless set; 0: the machine's memory). It is not a heap cap: V8 chooses its heap as it does
 * on the instance, and the limit only ends a process that outgrows the instance, as Azure would.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Instance {
  /** The command that starts `script` with `nodeArgs`, in the instance's memory where the bench could make it so. */
  command(nodeArgs: string[], script: string, args: string[]): { file: string; args: string[] };
  /** What the part ran in, for the run's output. */
  describe: string;
  /** Removes the cgroup, once the part has exited. */
  remove(): void;
}

const root = fileURLToPath(new URL('../', import.meta.url));

/** Compiles the project to JavaScript under `.scratch/bench` and returns where a source file's output is. */
export function compile(): (source: string) => string {
  const outDir = join(root, '.scratch', 'bench');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', outDir],
    { stdio: 'inherit' },
  );
  return (source) => join(outDir, source.replace(/\.ts$/, '.js'));
}

export function instance(): Instance {
  const megabytes = Number(process.env.BENCH_INSTANCE_MB ?? 2048);
  if (!Number.isInteger(megabytes) || megabytes < 0)
    throw new Error(`BENCH_INSTANCE_MB must be a whole number of megabytes (0: the machine's memory): ${megabytes}`);
  const plain: Instance = {
    command: (nodeArgs, script, args) => ({ file: process.execPath, args: [...nodeArgs, script, ...args] }),
    describe: "the machine's memory",
    remove: () => undefined,
  };
  if (megabytes === 0) return plain;
  const group = memoryGroup(megabytes);
  if (typeof group === 'string')
    return { ...plain, describe: `the machine's memory: no ${megabytes} MB cgroup (${group})` };
  return {
    // The shell joins the cgroup, then becomes node: V8 sizes its heap when the process starts.
    command: (nodeArgs, script, args) => ({
      file: '/bin/sh',
      args: ['-c', 'echo $$ > "$0" && exec "$@"', group.procs, process.execPath, ...nodeArgs, script, ...args],
    }),
    describe: `a cgroup of ${megabytes} MB, as a ${megabytes} MB instance`,
    remove: () => {
      try {
        rmdirSync(group.directory);
      } catch {
        // A child the part left behind still in it keeps it: it stays, empty once that child ends.
      }
    },
  };
}

/** A memory cgroup of `megabytes` under this process's own, or why none could be made. */
function memoryGroup(megabytes: number): { directory: string; procs: string } | string {
  if (process.platform !== 'linux') return `${process.platform} has no cgroups`;
  const name = `cmk-bench-${process.pid}`;
  const bytes = String(megabytes * 1024 * 1024);
  try {
    const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
    const v1 = lines.find((line) => line.split(':')[1]?.split(',').includes('memory'));
    if (v1 && existsSync('/sys/fs/cgroup/memory')) {
      return made(
        join('/sys/fs/cgroup/memory', v1.split(':').slice(2).join(':'), name),
        'memory.limit_in_bytes',
        bytes,
      );
    }
    const v2 = lines.find((line) => line.startsWith('0::'));
    if (v2 && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const parent = join('/sys/fs/cgroup', v2.slice(3));
      if (!readFileSync(join(parent, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('memory'))
        return `memory is not delegated to ${parent}`;
      return made(join(parent, name), 'memory.max', bytes);
    }
    return 'no memory controller';
  } catch (error) {
    return (error as Error).message;
  }
}

function made(directory: string, limitFile: string, bytes: string): { directory: string; procs: string } {
  mkdirSync(directory);
  try {
    writeFileSync(join(directory, limitFile), bytes);
  } catch (error) {
    rmdirSync(directory);
    throw error;
  }
  return { directory, procs: join(directory, 'cgroup.procs') };
}
