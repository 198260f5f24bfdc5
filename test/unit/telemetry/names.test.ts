import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import names from '../../../shared/telemetry/names.json' with { type: 'json' };

describe('the list of metric and span names', () => {
  const metrics = Object.values(names.metrics);

  it('names each metric once, under the cmk_monitor namespace, with a kind OpenTelemetry has', () => {
    expect(new Set(metrics.map((metric) => metric.name)).size).toBe(metrics.length);
    for (const metric of metrics) {
      expect(metric.name).toMatch(/^cmk_monitor\.[a-z_.]+$/);
      expect(['counter', 'gauge', 'histogram']).toContain(metric.kind);
    }
  });

  it('is what docs/operations.md tells an administrator, metric by metric', async () => {
    const guide = await readFile(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
    for (const metric of metrics)
      expect(guide, metric.name).toMatch(
        new RegExp(`^\\| \`${metric.name.replaceAll('.', '\\.')}\` \\| ${metric.kind} `, 'm'),
      );
    for (const span of Object.values(names.spans)) expect(guide, span).toContain(`\`${span}\``);
  });
});
