import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Environment } from '../../../domain/model.js';
import {
  type Inventory,
  type InventoryListed,
  type InventorySource,
  type PolicyListing,
} from '../../../application/ports/inventory.js';
import { firstIssue } from '../../../text/issues.js';

const text = z.string().trim().min(1);

const inventoryFile = z.object({
  policies: z.array(
    z.object({
      id: text,
      name: text,
      location: text.transform((s) => s.toLowerCase()),
      vaultId: text,
      keyName: text,
      keyVersion: z
        .string()
        .min(1)
        .nullish()
        .transform((v) => v ?? null),
      principalId: z.guid().transform((s) => s.toLowerCase()),
      healthStatus: text.optional(),
    }),
  ),
  environments: z.array(
    z
      .object({
        id: text.transform((s) => s.toLowerCase()),
        displayName: text,
        location: text.transform((s) => s.toLowerCase()),
        sku: text,
        managed: z.boolean(),
        policyId: text.nullish().transform((v) => v ?? null),
        linkStatus: text.nullish().transform((v) => v ?? null),
      })
      // As in the admin API: an Unlinked link is no link.
      .transform((e) =>
        e.linkStatus && /^unlinked$/i.test(e.linkStatus) ? { ...e, policyId: null, linkStatus: null } : e,
      ),
  ),
});

export class InventoryFileError extends Error {
  override readonly name = 'InventoryFileError';
}

/** For tenants that cannot grant the Power Platform admin API: policies and environments from a JSON file. */
export class FileInventory implements InventorySource {
  constructor(private readonly path: string) {}

  async read(onPage: (environments: Environment[], listing: PolicyListing) => void): Promise<InventoryListed> {
    const { environments, ...listing } = await this.load();
    onPage(environments, listing);
    // A file states what it knows: a runtime state it leaves out is not the admin API failing to report one.
    return { ...listing, environments: environments.length, unreported: [] };
  }

  /** The whole file, checked. */
  async load(): Promise<Inventory> {
    let json: unknown;
    try {
      // Windows tools often save UTF-8 with a byte-order mark, which JSON.parse refuses.
      json = JSON.parse((await readFile(this.path, 'utf8')).replace(/^\uFEFF/, ''));
    } catch (error) {
      throw new InventoryFileError(`Inventory file ${this.path} is not readable JSON: ${(error as Error).message}`);
    }
    const parsed = inventoryFile.safeParse(json);
    if (!parsed.success) {
      throw new InventoryFileError(`Inventory file ${this.path} is invalid: ${firstIssue(parsed.error)}`);
    }
    return { ...parsed.data, unreadable: [], skipped: [] };
  }
}
