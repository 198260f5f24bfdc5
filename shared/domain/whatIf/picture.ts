import type { Link } from '../links.js';
import type { Chain, Key } from '../model.js';

/**
 * The monitor's picture of the tenant, as its last scan and events read it: every watched environment's link (the
 * policy it is on, the one it left) and the chain of every policy those links name, by lower-case policy id.
 * A what-if changes a copy of it and evaluates both with the scan's rules.
 */
export interface Picture {
  links: Link[];
  chains: Map<string, Chain>;
  /** The key a chain last read before it went missing, by lower-case policy id: what recovering it from soft delete brings back. */
  deletedKeys: Map<string, Key>;
}
