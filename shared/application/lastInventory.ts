import type { Link } from '../domain/links.js';
import type { LinkPort, ScanPort } from './ports/stores.js';

/**
 * The links of the last inventory, kept by a warm instance between events. Only a scan rewrites them, and every
 * scan ends by rewriting its heartbeat, so one point read of the heartbeat tells whether the copy is still current.
 */
export class LastInventory {
  private copy: { heartbeat: string; links: Link[] } | null = null;

  async links(stores: { links: LinkPort; scans: ScanPort }): Promise<Link[]> {
    const heartbeat = (await stores.scans.last())?.etag;
    if (heartbeat && this.copy?.heartbeat === heartbeat) return this.copy.links;
    const links = [...(await stores.links.list()).values()].map((stored) => stored.link);
    this.copy = heartbeat ? { heartbeat, links } : null;
    return links;
  }
}
