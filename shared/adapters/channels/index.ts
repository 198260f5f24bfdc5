import type { Channel } from '../../application/ports/notifier.js';
import type { ChannelChoice, ChannelContext, ChannelDefinition } from './channel.js';
import { email } from './email.js';
import { pagerDuty } from './pagerDuty.js';
import { slack } from './slack.js';
import { teams } from './teams.js';
import { webhook } from './webhook.js';

/** Every kind of channel ALERT_CHANNELS may name. */
export const channelDefinitions: readonly ChannelDefinition[] = [email, teams, slack, pagerDuty, webhook];

/** The channels ALERT_CHANNELS chose, built from the settings config.ts validated. */
export function openChannels(choices: ChannelChoice[], context: ChannelContext): Promise<Channel[]> {
  return Promise.all(
    choices.map((choice) => {
      const definition = channelDefinitions.find((candidate) => candidate.name === choice.name);
      if (!definition) throw new Error(`No channel is named ${choice.name}`);
      return Promise.resolve(definition.create(choice.settings, context));
    }),
  );
}
