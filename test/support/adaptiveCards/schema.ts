/**
 * The official Adaptive Card JSON schemas, to validate each card the Teams channel posts against the schema of the
 * version it declares. `adaptive-card-<version>.json` is microsoft/AdaptiveCards `schemas/<version>/adaptive-card.json`
 * (MIT) at commit 644d933e185a8482c4dcf4c375d177aac37fd095 (blobs a65f7af69e84f7fddd39880a29115da427ed5e58 for 1.4.0,
 * 8301d0efef25d6626b52d6e38b20dc81dc59502e for 1.5.0), the files https://adaptivecards.io/schemas/<version>/adaptive-card.json
 * serves. They are draft-06, and strict: no property outside the schema (the repository's `schemas/README.md`,
 * "Non-extensible schema"), so Teams' own `msteams` property is set aside before validating
 * (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format#full-width-adaptive-card).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };

const vendored: Record<string, string> = { '1.4': 'adaptive-card-1.4.0.json', '1.5': 'adaptive-card-1.5.0.json' };

function validatorFor(version: string): ValidateFunction {
  const file = vendored[version];
  if (!file) throw new Error(`No Adaptive Card schema is vendored for version ${version}`);
  // The schemas carry keywords of their own (`version`, `features`), and name themselves with draft-04's `id`, which
  // Ajv refuses unless told to pass over it: their references are all local (`#/definitions/…`).
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.removeKeyword('id');
  ajv.addMetaSchema(draft06);
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  ajv.addFormat('uri-reference', (value: string) => URL.canParse(value, 'https://base.invalid/'));
  return ajv.compile(JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as object);
}

const validators = new Map<string, ValidateFunction>();

/** What the schema of the card's own `version` finds wrong with it, one line each; empty when it is valid. */
export function cardSchemaErrors(card: { version?: unknown; msteams?: unknown }): string[] {
  const version = String(card.version);
  const validate = validators.get(version) ?? validatorFor(version);
  validators.set(version, validate);
  const { msteams: _teamsOnly, ...standard } = card;
  return validate(standard)
    ? []
    : (validate.errors ?? []).map(
        (error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
      );
}
