// A stand-in for `@azure/functions-core`, the module the Azure Functions Node.js worker builds into itself. The
// worker wraps Module.prototype.require so that require('@azure/functions-core') returns its core API
// (azure-functions-nodejs-worker, src/setupCoreModule.ts), and @azure/functions requires it on first use. This
// offers the same members, records what the app registers, and nothing more. Plain JavaScript: it also runs
// beside a production-only install, where there is no TypeScript loader.
import Module from 'node:module';

class Disposable {
  #callback;

  constructor(callback) {
    this.#callback = callback;
  }

  dispose() {
    this.#callback?.();
    this.#callback = undefined;
  }
}

/** Installs the core module for this process; returns what the app registers through it. */
export function installFunctionsCore() {
  const recorded = { functions: [], hooks: [], logs: [], programmingModels: [] };
  let programmingModel;

  const coreApi = {
    version: 'stand-in',
    hostVersion: '4.0.0-stand-in',
    registerHook(hookName, callback) {
      const hook = { hookName, callback };
      recorded.hooks.push(hook);
      return new Disposable(() => recorded.hooks.splice(recorded.hooks.indexOf(hook), 1));
    },
    setProgrammingModel(model) {
      programmingModel = model;
      recorded.programmingModels.push({ name: model.name, version: model.version });
    },
    getProgrammingModel() {
      return programmingModel;
    },
    log(level, category, message) {
      recorded.logs.push({ level, category, message });
    },
    registerFunction(metadata, callback) {
      const functionId = metadata.functionId || metadata.name;
      if (recorded.functions.some((entry) => entry.functionId === functionId)) {
        throw new Error(`A function with id "${functionId}" has already been registered.`);
      }
      const entry = { functionId, metadata, callback };
      recorded.functions.push(entry);
      return new Disposable(() => recorded.functions.splice(recorded.functions.indexOf(entry), 1));
    },
    Disposable,
  };

  Module.prototype.require = new Proxy(Module.prototype.require, {
    apply(target, thisArg, args) {
      return args[0] === '@azure/functions-core' ? coreApi : Reflect.apply(target, thisArg, args);
    },
  });
  return recorded;
}
