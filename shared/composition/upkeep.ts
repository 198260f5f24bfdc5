import type { Config } from '../config.js';
import type { Link } from '../domain/links.js';
import { whatIf } from '../application/whatIf.js';
import { trimStores } from '../application/retention.js';
import { scheduleIntervalMs } from '../schedule.js';
import { eventCoverageOf, ruleOptionsOf } from './rules.js';
import type { Services } from './services.js';
import type { Stores } from './stores.js';

/** What the monitor answers from what it holds: what-if and retention. */
export function upkeepServices(
  config: Config,
  stores: () => Promise<Stores>,
  links: () => Promise<Link[]>,
): Pick<Services, 'whatIf' | 'trim'> {
  const ruleOptions = ruleOptionsOf(config);
  return {
    async whatIf(changes, now) {
      const current = await stores();
      const eventCoverage = async () => eventCoverageOf((await current.scans.last())?.summary);
      return whatIf(
        { ...current, links, eventCoverage, ruleOptions, scanIntervalMs: scheduleIntervalMs(config.scanSchedule) },
        changes,
        now,
      );
    },
    async trim(now) {
      return trimStores({ ...(await stores()), ages: config.retention }, now);
    },
  };
}
