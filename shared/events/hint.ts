/** What an event says may have changed: the part of a chain to re-read. Never the new state itself. */
export type ChainHint =
  | {
      kind: 'key';
      /** ARM id of the vault, when the event came from the vault's system topic. */
      vaultId: string | null;
      vaultName: string;
      keyName: string;
      version: string | null;
    }
  | { kind: 'vault'; vaultId: string }
  /** Access granted or revoked at `scope` (an ARM scope); '' when it can be anywhere (a role definition changed). */
  | { kind: 'access'; scope: string };
