import { AsyncLocalStorage } from 'node:async_hooks';

/** The request a change of the double's state is made in: which service, and who called (null: a direct change). */
export interface RequestScope {
  service: string;
  method: string;
  caller: { oid: string; appid: string } | null;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();
