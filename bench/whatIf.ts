/**
 * The what-if at the bench tenant's size, as `POST /api/what-if` runs it: one proposed change (disabling the current
 * version of the key most environments stand behind) against what the scans stored (Azurite), through the same
 * `services.whatIf` the function calls. Fails when the answer does not name the environments behind that key.
 */
import { performance } from 'node:perf_hooks';
import type { Services } from '../shared/composition/index.js';
import type { Change } from '../shared/domain/whatIf/changes.js';
import { quick } from './quick.js';

/** The target of issue 29 at 20,000 environments. */
const budgetMs = 500;

export interface WhatIfFigures {
  runs: number;
  change: string;
  /** Environments the answer lists, and how many stand behind the key. */
  predicted: number;
  behind: number;
  p50Ms: number;
  maxMs: number;
  firstMs: number;
}

export async function measureWhatIf(services: Services): Promise<WhatIfFigures> {
  const stores = await services.stores();
  const [chains, links] = await Promise.all([stores.chains.list(), stores.links.list()]);
  const byKey = new Map<string, { vault: string; key: string; version: string; policies: Set<string> }>();
  for (const { chain } of chains.values()) {
    if (chain.vault.kind !== 'found' || chain.key.kind !== 'found') continue;
    const current = chain.key.value.currentVersion;
    const id = `${chain.vault.value.name}/${chain.policy.keyName}`.toLowerCase();
    const entry = byKey.get(id) ?? {
      vault: chain.vault.value.name,
      key: chain.policy.keyName,
      version: current,
      policies: new Set<string>(),
    };
    entry.policies.add(chain.policy.id.toLowerCase());
    byKey.set(id, entry);
  }
  const behindOf = (policies: Set<string>) =>
    [...links.values()].filter(({ link }) => link.policy && policies.has(link.policy.id.toLowerCase())).length;
  const target = [...byKey.values()]
    .map((entry) => ({ ...entry, behind: behindOf(entry.policies) }))
    .sort((a, b) => b.behind - a.behind)[0];
  if (!target) throw new Error('the what-if found no key with a current version to change');
  const changes: Change[] = [
    { action: 'disableKeyVersion', vault: target.vault, key: target.key, version: target.version },
  ];

  const runs = quick ? 3 : 7;
  const times: number[] = [];
  let predicted = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = await services.whatIf(changes);
    times.push(performance.now() - started);
    if (!result.ok) throw new Error(`the what-if refused the change: ${result.path}: ${result.message}`);
    predicted = result.answer.environments.length;
  }
  if (predicted < target.behind)
    throw new Error(`the what-if names ${predicted} environments, ${target.behind} stand behind the key it disables`);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    runs,
    change: `disableKeyVersion of ${target.vault}/${target.key}`,
    predicted,
    behind: target.behind,
    p50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
    maxMs: sorted[sorted.length - 1] ?? 0,
    firstMs: times[0] ?? 0,
  };
}

export function describeWhatIf(figures: WhatIfFigures, environments: number): string[] {
  return [
    `  POST /api/what-if (${figures.change}) at ${environments} environments: p50 ${figures.p50Ms.toFixed(0)} ms of ` +
      `${figures.runs} (first ${figures.firstMs.toFixed(0)} ms, slowest ${figures.maxMs.toFixed(0)} ms); ` +
      `${figures.predicted} environments predicted, ${figures.behind} behind the key; ` +
      `${figures.p50Ms <= budgetMs ? 'within' : '!! outside'} the ${budgetMs} ms target at 20,000 environments`,
  ];
}
