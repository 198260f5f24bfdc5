/** The sandbox's supervisor with real child processes: a child that exits comes back, or the sandbox is told why not. */
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor, type Child } from '../../../sandbox/supervisor.js';

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stop()));
});

function supervise() {
  const log: string[] = [];
  let gaveUp: (reason: string) => void = () => undefined;
  const givenUp = new Promise<string>((resolve) => (gaveUp = resolve));
  const supervisor = new Supervisor({ log: (line) => log.push(line), giveUp: (reason) => gaveUp(reason) });
  supervisors.push(supervisor);
  return { supervisor, log, givenUp };
}

/** A child running `script` under this Node; each start is recorded, and resolves once the process runs. */
function nodeChild(supervisor: Supervisor, name: string, script: string) {
  const started: ChildProcess[] = [];
  const child: Child = {
    name,
    async start() {
      const proc = supervisor.spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      started.push(proc);
      await once(proc, 'spawn');
      return proc;
    },
  };
  return { child, started };
}

const alive = (proc: ChildProcess) => proc.exitCode === null && proc.signalCode === null;
const stays = 'setInterval(() => undefined, 1000)';

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('never happened');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Supervisor', () => {
  it('restarts a child that exits and says which one and how it ended', async () => {
    const { supervisor, log } = supervise();
    const { child, started } = nodeChild(supervisor, 'MailDev', stays);
    await supervisor.run(child);
    started[0]!.kill('SIGKILL');
    await until(() => started.length === 2 && log.includes('MailDev restarted'));
    expect(log[0]).toBe('MailDev exited (SIGKILL); restarting it (1 of at most 3 restarts a minute)');
    expect(alive(started[1]!)).toBe(true);
  });

  it('gives up on a child that keeps exiting, naming it and its exit code', async () => {
    const { supervisor, log, givenUp } = supervise();
    const { child, started } = nodeChild(supervisor, 'Azure double', 'process.exit(3)');
    await supervisor.run(child);
    expect(await givenUp).toBe('Azure double exited (code 3), and was restarted 3 times in the last minute already');
    expect(started).toHaveLength(4);
    expect(log.filter((line) => line.startsWith('Azure double exited (code 3); restarting it'))).toHaveLength(3);
  });

  it('restarts a child whose dependency changed without counting it as a failure', async () => {
    const { supervisor, log } = supervise();
    const { child, started } = nodeChild(supervisor, 'function host', stays);
    await supervisor.run(child);
    for (let i = 0; i < 4; i++) await supervisor.restart(child, "to take the Azure double's new endpoints");
    expect(started.filter(alive)).toEqual([started[4]]);
    expect(log.filter((line) => line.includes('exited'))).toEqual([]);
  });

  it('stops every process it started, one still starting too', async () => {
    const { supervisor } = supervise();
    const { child: running, started: runningStarted } = nodeChild(supervisor, 'Azurite', stays);
    await supervisor.run(running);
    const starting: ChildProcess[] = [];
    void supervisor.run({
      name: 'function host',
      start: () => {
        starting.push(supervisor.spawn(process.execPath, ['-e', stays], { stdio: 'ignore' }));
        return new Promise<ChildProcess>(() => undefined);
      },
    });
    await until(() => starting.length === 1);
    await supervisor.stop();
    expect([...runningStarted, ...starting].filter(alive)).toEqual([]);
  });
});
