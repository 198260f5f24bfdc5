import {
  app,
  type EventGridFunctionOptions,
  type EventHubFunctionOptions,
  type HttpFunctionOptions,
  type TimerFunctionOptions,
} from '@azure/functions';

/** One function: its name, trigger and handler. The Functions runtime and the local host both read this list. */
export type FunctionDefinition =
  | { trigger: 'timer'; name: string; options: TimerFunctionOptions }
  | { trigger: 'http'; name: string; options: HttpFunctionOptions }
  | { trigger: 'eventGrid'; name: string; options: EventGridFunctionOptions }
  | { trigger: 'eventHub'; name: string; options: EventHubFunctionOptions };

export function register(definitions: readonly FunctionDefinition[]): void {
  for (const definition of definitions) {
    switch (definition.trigger) {
      case 'timer':
        app.timer(definition.name, definition.options);
        break;
      case 'http':
        app.http(definition.name, definition.options);
        break;
      case 'eventGrid':
        app.eventGrid(definition.name, definition.options);
        break;
      case 'eventHub':
        app.eventHub(definition.name, definition.options);
        break;
    }
  }
}
