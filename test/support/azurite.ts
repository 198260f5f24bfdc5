export * from '../../sandbox/azurite.js';
