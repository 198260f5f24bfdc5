import type { Channel } from '../application/ports/notifier.js';
import { inSpan, record } from './instruments.js';

/** `channel`, each send in a span of its own and counted by outcome. */
export function observedChannel(channel: Channel): Channel {
  return {
    name: channel.name,
    target: channel.target,
    get ready() {
      return channel.ready;
    },
    takes: (notice) => channel.takes(notice),
    send: (notice) =>
      inSpan('alertDelivery', { channel: channel.name }, async () => {
        try {
          await channel.send(notice);
          record('deliveries', 1, { channel: channel.name, outcome: 'sent' });
        } catch (error) {
          record('deliveries', 1, { channel: channel.name, outcome: 'failed' });
          throw error;
        }
      }),
  };
}
