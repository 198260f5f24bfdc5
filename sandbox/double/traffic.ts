/** What the double records about its traffic (counts by request kind) and the errors it is told to inject. */

export class RequestCounter {
  private readonly counts = new Map<string, number>();

  count(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  reset(): void {
    this.counts.clear();
  }
}

/**
 * Where a fault applies: `vault:<name>` (that vault's data plane), `arm:vault:<name>`, `arm:accessPolicies:<vault name>`
 * (its access-policy edits only), `arm:roleAssignments`, `arm:roleAssignments:delete` (deletions only),
 * `arm:roleDefinitions`, `arm:enterprisePolicies`, `arm:systemTopics`, `arm:eventSubscriptions` (of system topics, with
 * their operations), `arm:diagnosticSettings`, `arm:permissions`, `arm` (all of ARM), `powerPlatform`, `identity`.
 */
export type FaultTarget =
  | `vault:${string}`
  | `arm:vault:${string}`
  | `arm:keys:${string}`
  | `arm:accessPolicies:${string}`
  | 'arm:roleAssignments'
  | 'arm:roleAssignments:delete'
  | 'arm:eventSubscriptions'
  | 'arm:diagnosticSettings'
  | 'arm:roleDefinitions'
  | 'arm:enterprisePolicies'
  | 'arm:systemTopics'
  | 'arm:permissions'
  | 'arm'
  | 'powerPlatform'
  | 'identity';

export interface Fault {
  status: number;
  /** How many requests fail; undefined: every request until cleared. */
  times?: number;
}

interface ActiveFault {
  target: string;
  status: number;
  remaining: number | undefined;
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];

  add(target: FaultTarget, fault: Fault): void {
    this.faults.push({ target: target.toLowerCase(), status: fault.status, remaining: fault.times });
  }

  clear(): void {
    this.faults = [];
  }

  /** The status to fail a request with, when a fault covers one of its targets; uses up one of its `times`. */
  take(targets: string[]): number | undefined {
    const wanted = targets.map((target) => target.toLowerCase());
    const fault = this.faults.find((candidate) => wanted.includes(candidate.target) && candidate.remaining !== 0);
    if (!fault) return undefined;
    if (fault.remaining !== undefined) fault.remaining -= 1;
    this.faults = this.faults.filter((candidate) => candidate.remaining !== 0);
    return fault.status;
  }
}
