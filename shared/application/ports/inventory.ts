import type { Environment, Policy } from '../../domain/model.js';

/** An item of an unexpected shape, left out of the inventory so the rest can be evaluated. */
export interface Skipped {
  source: string;
  reason: string;
}

/** The encryption policies of the configured subscriptions, and the subscriptions whose policies could not be listed. */
export interface PolicyListing {
  policies: Policy[];
  /** Policy sources that could not be read: environments linked there are reported blind, not evaluated on a guess. */
  unreadable: { subscriptionId: string; detail: string }[];
}

export interface Inventory extends PolicyListing {
  environments: Environment[];
  skipped: Skipped[];
}

/** What a read listed, apart from the environments it handed over page by page. */
export interface InventoryListed extends PolicyListing {
  environments: number;
  skipped: Skipped[];
  /**
   * Environments kept, but without a field a rule needs: a linked environment whose runtime state Power Platform did
   * not report, so whether it is still disabled after an outage cannot be told.
   */
  unreported: Skipped[];
}

export interface InventorySource {
  /**
   * Lists the policies, then hands the environments to `onPage` a page at a time as they arrive (each matched to the
   * listed policies, which come with it), so a caller can evaluate them while the rest of the list pages in.
   */
  read(onPage: (environments: Environment[], listing: PolicyListing) => void): Promise<InventoryListed>;
}
