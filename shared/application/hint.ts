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

/** The same text for hints that ask to re-read the same part of the chain, whatever their case. */
export function hintKey(hint: ChainHint): string {
  switch (hint.kind) {
    case 'key':
      return ['key', hint.vaultId ?? '', hint.vaultName, hint.keyName, hint.version ?? ''].join('\n').toLowerCase();
    case 'vault':
      return ['vault', hint.vaultId].join('\n').toLowerCase();
    case 'access':
      return ['access', hint.scope].join('\n').toLowerCase();
  }
}
