import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A process of the sandbox: its name in the log, and how to start it (resolving once it serves). */
export interface Child {
  name: string;
  start(): Promise<ChildProcess>;
  /** Runs once it serves again after a restart: to restart what depends on it, say. */
  restarted?(): Promise<void>;
}

export interface SupervisorReports {
  log(line: string): void;
  /** A child exited and cannot be restarted: the sandbox cannot go on without it. */
  giveUp(reason: string): void;
}

/** A child is restarted at most this many times a minute; one that exits more often is given up on. */
const restartsPerMinute = 3;
/** How long a child has to stop on SIGINT before it is killed. */
const graceMs = 5_000;

/** Starts the children of the sandbox, restarts one that exits, and stops them all (none is left behind). */
export class Supervisor {
  readonly #spawned = new Set<ChildProcess>();
  readonly #running = new Map<Child, ChildProcess>();
  readonly #restartedAt = new Map<Child, number[]>();
  #stopping = false;

  constructor(private readonly reports: SupervisorReports) {}

  /** Spawns a process that stop() ends, even one still starting. */
  spawn(command: string, args: string[], options: SpawnOptions): ChildProcess {
    const proc = spawn(command, args, options);
    this.#spawned.add(proc);
    proc.once('exit', () => this.#spawned.delete(proc));
    return proc;
  }

  /** Starts a child, and starts it again whenever it exits until stop(). */
  async run(child: Child): Promise<void> {
    this.#watch(child, await child.start());
  }

  /** Stops a running child and starts it again, because something it depends on changed: not counted as a failure. */
  async restart(child: Child, reason: string): Promise<void> {
    const running = this.#running.get(child);
    this.#running.delete(child);
    if (running) await this.#end(running);
    this.reports.log(`${child.name} restarts ${reason}`);
    await this.#startAgain(child).catch((error: unknown) =>
      this.#revive(child, `did not start again (${describe(error)})`),
    );
  }

  /** Ends every process it spawned: SIGINT first, as Ctrl-C would (Azurite saves its store on SIGINT only). */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#spawned].map((proc) => this.#end(proc)));
  }

  #watch(child: Child, proc: ChildProcess): void {
    this.#running.set(child, proc);
    const exited = () => {
      if (this.#stopping || this.#running.get(child) !== proc) return;
      this.#running.delete(child);
      void this.#revive(child, `exited (${proc.signalCode ?? `code ${proc.exitCode}`})`);
    };
    if (proc.exitCode !== null || proc.signalCode !== null) exited();
    else proc.once('exit', exited);
  }

  async #revive(child: Child, reason: string): Promise<void> {
    const now = Date.now();
    const recent = (this.#restartedAt.get(child) ?? []).filter((at) => now - at < 60_000);
    this.#restartedAt.set(child, recent);
    while (!this.#stopping) {
      if (recent.length >= restartsPerMinute) {
        return this.reports.giveUp(
          `${child.name} ${reason}, and was restarted ${recent.length} times in the last minute already`,
        );
      }
      recent.push(Date.now());
      this.reports.log(
        `${child.name} ${reason}; restarting it (${recent.length} of at most ${restartsPerMinute} restarts a minute)`,
      );
      try {
        return await this.#startAgain(child);
      } catch (error) {
        reason = `did not start again (${describe(error)})`;
      }
    }
  }

  async #startAgain(child: Child): Promise<void> {
    const proc = await child.start();
    if (this.#stopping) return;
    this.#watch(child, proc);
    this.reports.log(`${child.name} restarted`);
    await child.restarted?.();
  }

  #end(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGINT');
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
