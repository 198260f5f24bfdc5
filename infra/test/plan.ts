/**
 * What a compiled template would deploy for given parameter values, without Azure: each resource of main.json and
 * of every module below it, with its loop expanded and its condition (and that of every module above it) evaluated
 * by a small evaluator of ARM template expressions. It covers the functions the conditions, loop counts and names of
 * these templates use, and their user-defined functions (Bicep's `func`, the template's `functions`); whatever it cannot know offline (`reference()` of a deployed resource, `resourceId()`, a
 * lambda) is Unknown, and a condition that depends on it is reported as 'unknown', never guessed. An `existing`
 * resource is listed as read, not deployed; `reference(symbol, apiVersion, 'full')` of one answers what the test
 * says that resource is in Azure.
 */
import { isModule, type Resource, type Template } from './template.js';

/** An expression whose value is not knowable offline. */
export class Unknown extends Error {}

export interface Planned {
  /** Module instances from main.json down, e.g. `vaultTopics[1]/subscription`. */
  modules: string;
  /** The subscription and resource group its module deploys to, as far as they are set and knowable offline. */
  at: Place;
  symbol: string;
  type: string;
  /** The resource's evaluated name, or undefined when it cannot be known offline. */
  name: string | undefined;
  existing: boolean;
  deployed: boolean | 'unknown';
  /** The value at this path of the resource, evaluated; what cannot be known offline comes back as `{ unknown: expression }`. */
  value(...path: string[]): unknown;
}

export interface Place {
  subscriptionId?: string;
  resourceGroup?: string;
}

export interface PlanOptions {
  /** What an `existing` resource is in Azure (its full GET), by `type/name`, for `reference(symbol, version, 'full')`. */
  existing?: Record<string, unknown>;
  /** The outputs of main.json's modules, by symbolic name, for `reference(module).outputs.x.value`; others are Unknown. */
  moduleOutputs?: Record<string, Record<string, unknown>>;
}

interface Scope {
  template: Template;
  /** A function rather than a method: it never uses `this`, and `variables()` remembers by its identity. */
  parameter: (name: string) => unknown;
  copy: { name: string; index: number } | undefined;
  /** The arguments of the lambdas being run, by name. */
  lambda?: Record<string, unknown>;
  /** `reference(symbol)`, or with `'full'`: what the test says an `existing` resource or a module's outputs are. */
  reference(symbol: string, full: boolean): unknown;
}

export function plan(template: Template, parameters: Record<string, unknown>, options: PlanOptions = {}): Planned[] {
  const withMain = { ...options, main: template };
  const scope = scopeOf(template, (name) => (name in parameters ? parameters[name] : undefined), withMain);
  return walk(template, scope, '', true, withMain, {});
}

function scopeOf(
  template: Template,
  given: (name: string) => unknown,
  options: PlanOptions & { main: Template },
): Scope {
  const scope: Scope = {
    template,
    copy: undefined,
    parameter(name) {
      const value = given(name);
      if (value !== undefined) return value;
      const declared = template.parameters?.[name];
      if (!declared) throw new Error(`the template has no parameter ${name}`);
      if (declared.defaultValue === undefined) throw new Unknown(`parameter ${name} has no value`);
      return evaluateDeep(declared.defaultValue, scope);
    },
    reference(symbol, full) {
      const resource = entries(template).find(([name]) => name === symbol)?.[1];
      const outputs = template === options.main ? options.moduleOutputs?.[symbol] : undefined;
      if (!full && resource?.type === 'Microsoft.Resources/deployments' && outputs) {
        return { outputs: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { value }])) };
      }
      if (!full || !resource?.existing) throw new Unknown(`reference('${symbol}') of a deployed resource`);
      const name = evaluateDeep(resource.name, scope);
      const found = options.existing?.[`${resource.type}/${String(name)}`];
      if (found === undefined) throw new Unknown(`the existing ${resource.type} ${String(name)} was not described`);
      return found;
    },
  };
  return scope;
}

function entries(template: Template): [string, Resource][] {
  return Array.isArray(template.resources)
    ? template.resources.map((resource, index) => [String(index), resource])
    : Object.entries(template.resources);
}

function walk(
  template: Template,
  scope: Scope,
  modules: string,
  above: boolean | 'unknown',
  options: PlanOptions & { main: Template },
  at: Place,
): Planned[] {
  const planned: Planned[] = [];
  for (const [symbol, resource] of entries(template)) {
    // Below a module that is not deployed, nothing is evaluated (ARM would not either): each resource is listed once.
    // A loop whose length is not knowable offline is listed once as [?], 'unknown'.
    const count = !resource.copy || above === false ? 1 : known(() => Number(evaluate(resource.copy!.count, scope)));
    for (let index = 0; index < (count === 'unknown' ? 1 : count); index += 1) {
      const here: Scope =
        resource.copy && count !== 'unknown'
          ? { ...scope, copy: { name: resource.copy.name, index } }
          : { ...scope, copy: undefined };
      const condition =
        resource.condition === undefined || above === false
          ? true
          : known(() => evaluate(resource.condition!, here) === true);
      const deployed = both(both(above, count === 'unknown' ? 'unknown' : true), condition);
      const label = !resource.copy ? symbol : `${symbol}[${count === 'unknown' ? '?' : index}]`;
      if (isModule(resource)) {
        // A parameter is `{ value }`, or an expression giving `{ value }` (Bicep's form when the value is conditional).
        const passed = resource.properties.parameters ?? {};
        const valueOf = (name: string) => {
          const entry = passed[name];
          if (entry === undefined) return undefined;
          if (typeof entry === 'string') return (evaluate(entry, here) as { value?: unknown }).value;
          if ('reference' in entry) throw new Unknown(`parameter ${name}, a Key Vault reference`);
          return evaluateDeep(entry.value, here);
        };
        const inner = resource.properties.template;
        const innerScope = scopeOf(inner, valueOf, options);
        // A module deploys where it says, or where its parent does.
        const where = (expression: string | undefined) => {
          if (expression === undefined || deployed === false) return undefined;
          const value = known(() => evaluate(expression, here));
          return value === 'unknown' ? undefined : String(value);
        };
        const place = {
          subscriptionId: where(resource.subscriptionId) ?? at.subscriptionId,
          resourceGroup: where(resource.resourceGroup) ?? at.resourceGroup,
        };
        planned.push(...walk(inner, innerScope, modules ? `${modules}/${label}` : label, deployed, options, place));
        continue;
      }
      planned.push({
        modules,
        at,
        symbol: label,
        type: resource.type,
        name: nameOf(resource, here),
        existing: resource.existing === true,
        deployed: resource.existing ? false : deployed,
        value: (...path) =>
          evaluateDeep(
            path.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], resource),
            here,
            true,
          ),
      });
    }
  }
  return planned;
}

/** The evaluated name; undefined when it cannot be known offline, or fails as it would in ARM (a module not deployed). */
function nameOf(resource: Resource, scope: Scope): string | undefined {
  try {
    return String(evaluate(resource.name, scope));
  } catch {
    return undefined;
  }
}

function known<T>(compute: () => T): T | 'unknown' {
  try {
    return compute();
  } catch (error) {
    if (error instanceof Unknown) return 'unknown';
    throw error;
  }
}

function both(a: boolean | 'unknown', b: boolean | 'unknown'): boolean | 'unknown' {
  if (a === false || b === false) return false;
  return a === 'unknown' || b === 'unknown' ? 'unknown' : true;
}

/** A value of the template with every expression in it evaluated; `lenient` puts `{ unknown }` where one cannot be. */
function evaluateDeep(value: unknown, scope: Scope, lenient = false): unknown {
  if (typeof value === 'string') {
    if (!lenient) return evaluate(value, scope);
    const result = known(() => evaluate(value, scope));
    return result === 'unknown' ? { unknown: value } : result;
  }
  if (Array.isArray(value)) return value.map((item) => evaluateDeep(item, scope, lenient));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluateDeep(item, scope, lenient)]));
  return value;
}

/** A template string: an expression when it is `[...]`, a literal otherwise (`[[` escapes a leading bracket). */
function evaluate(text: string, scope: Scope): unknown {
  // A literal that is not a string (Bicep writes `if (false)` as the boolean itself).
  if (typeof text !== 'string') return text;
  if (!text.startsWith('[') || !text.endsWith(']')) return text;
  if (text.startsWith('[[')) return text.slice(1);
  const parser = new Parser(text.slice(1, -1));
  const node = parser.expression();
  parser.end();
  return run(node, scope);
}

type Node =
  | { kind: 'literal'; value: unknown }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'member'; target: Node; key: Node };

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  expression(): Node {
    this.space();
    let node = this.primary();
    for (;;) {
      this.space();
      const next = this.text[this.at];
      if (next === '.') {
        this.at += 1;
        node = { kind: 'member', target: node, key: { kind: 'literal', value: this.identifier() } };
      } else if (next === '[') {
        this.at += 1;
        const key = this.expression();
        this.expect(']');
        node = { kind: 'member', target: node, key };
      } else return node;
    }
  }

  end(): void {
    this.space();
    if (this.at !== this.text.length) throw new Error(`unexpected '${this.text.slice(this.at)}' in [${this.text}]`);
  }

  private primary(): Node {
    const next = this.text[this.at];
    if (next === "'") {
      let value = '';
      this.at += 1;
      for (;;) {
        const quote = this.text.indexOf("'", this.at);
        if (quote < 0) throw new Error(`unterminated string in [${this.text}]`);
        value += this.text.slice(this.at, quote);
        this.at = quote + 1;
        if (this.text[this.at] !== "'") break;
        value += "'";
        this.at += 1;
      }
      return { kind: 'literal', value };
    }
    const number = /^-?\d+/.exec(this.text.slice(this.at));
    if (number) {
      this.at += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    // A user-defined function is called by its namespace: __bicep.name(...).
    let name = this.identifier();
    if (this.text[this.at] === '.') {
      this.at += 1;
      name = `${name}.${this.identifier()}`;
    }
    this.space();
    this.expect('(');
    const args: Node[] = [];
    this.space();
    if (this.text[this.at] !== ')') {
      for (;;) {
        args.push(this.expression());
        this.space();
        if (this.text[this.at] !== ',') break;
        this.at += 1;
      }
    }
    this.expect(')');
    return { kind: 'call', name, args };
  }

  private identifier(): string {
    const match = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.at));
    if (!match) throw new Error(`expected a name at '${this.text.slice(this.at)}' in [${this.text}]`);
    this.at += match[0].length;
    return match[0];
  }

  private expect(char: string): void {
    this.space();
    if (this.text[this.at] !== char)
      throw new Error(`expected '${char}' at '${this.text.slice(this.at)}' in [${this.text}]`);
    this.at += 1;
  }

  private space(): void {
    while (this.text[this.at] === ' ') this.at += 1;
  }
}

function run(node: Node, scope: Scope): unknown {
  if (node.kind === 'literal') return node.value;
  if (node.kind === 'member') {
    const target = run(node.target, scope);
    const key = run(node.key, scope);
    if (target === null || target === undefined) throw new Error(`the template reads ${String(key)} of null`);
    if (Array.isArray(target)) {
      if (typeof key !== 'number' || key < 0 || key >= target.length)
        throw new Error(`index ${String(key)} is out of the array's range`);
      return target[key];
    }
    const found = Object.entries(target as Record<string, unknown>).find(
      ([name]) => name.toLowerCase() === String(key).toLowerCase(),
    );
    if (!found) throw new Error(`the object has no property ${String(key)}`);
    return found[1];
  }
  const lazy: Record<string, (args: Node[]) => unknown> = {
    if: ([condition, then, otherwise]) =>
      run(condition!, scope) === true ? run(then!, scope) : run(otherwise!, scope),
    and: (args) => threeValued(args, scope, false),
    or: (args) => threeValued(args, scope, true),
    // lambda('a', 'b', body): a function of a and b, run where it is called.
    lambda: (args) => {
      const names = args.slice(0, -1).map((arg) => String(run(arg, scope)));
      const body = args.at(-1)!;
      return (...values: unknown[]) =>
        run(body, {
          ...scope,
          lambda: { ...scope.lambda, ...Object.fromEntries(names.map((n, i) => [n, values[i]])) },
        });
    },
  };
  const name = node.name.toLowerCase();
  if (lazy[name]) return lazy[name](node.args);
  const args = node.args.map((arg) => run(arg, scope));
  return call(name, args, scope);
}

/** and/or: a definite false (true) decides, whatever the arguments that cannot be known. */
function threeValued(args: Node[], scope: Scope, decisive: boolean): boolean {
  let unknown: Unknown | undefined;
  for (const arg of args) {
    try {
      if (run(arg, scope) === decisive) return decisive;
    } catch (error) {
      if (!(error instanceof Unknown)) throw error;
      unknown = error;
    }
  }
  if (unknown) throw unknown;
  return !decisive;
}

type Lambda = (...values: unknown[]) => unknown;

function call(name: string, args: unknown[], scope: Scope): unknown {
  const [a, b, c] = args;
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  switch (name) {
    case 'parameters':
      return scope.parameter(String(a));
    case 'variables': {
      const variables = scope.template.variables ?? {};
      if (!(String(a) in variables)) throw new Unknown(`variable ${String(a)} (a variable loop)`);
      // A variable depends on the parameters alone: evaluated once for each set of them.
      return remember(scope.parameter, `variables:${String(a)}`, () => evaluateDeep(variables[String(a)], scope));
    }
    case 'copyindex': {
      const loop = typeof a === 'string' ? a : undefined;
      const offset = Number((typeof a === 'number' ? a : b) ?? 0);
      if (!scope.copy || (loop !== undefined && loop !== scope.copy.name))
        throw new Unknown(`copyIndex(${loop ?? ''}) outside its loop`);
      return scope.copy.index + offset;
    }
    case 'lambdavariables':
      if (!scope.lambda || !(String(a) in scope.lambda))
        throw new Error(`lambdaVariables('${String(a)}') outside its lambda`);
      return scope.lambda[String(a)];
    case 'filter':
      return (a as unknown[]).filter((item) => (b as Lambda)(item) === true);
    case 'map':
      return (a as unknown[]).map((item) => (b as Lambda)(item));
    case 'reduce':
      return (a as unknown[]).reduce((all, item) => (c as Lambda)(all, item), b);
    case 'union':
      return Array.isArray(a) ? [...new Set(args.flatMap((arg) => arg as unknown[]))] : Object.assign({}, ...args);
    case 'indexof':
      return String(a).toLowerCase().indexOf(String(b).toLowerCase());
    case 'substring':
      return c === undefined ? String(a).slice(Number(b)) : String(a).slice(Number(b), Number(b) + Number(c));
    case 'reference':
      return scope.reference(String(a), c === 'full');
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'not':
      return a !== true;
    case 'bool':
      return typeof a === 'string' ? a.toLowerCase() === 'true' : Boolean(a);
    case 'equals':
      return JSON.stringify(a) === JSON.stringify(b);
    case 'empty':
      return (
        a === null ||
        a === undefined ||
        (typeof a === 'string' || Array.isArray(a) ? a.length === 0 : Object.keys(a).length === 0)
      );
    case 'length':
      return typeof a === 'string' || Array.isArray(a) ? a.length : Object.keys(a as object).length;
    case 'contains':
      if (typeof a === 'string') return a.includes(String(b));
      if (Array.isArray(a)) return a.some((item) => JSON.stringify(item) === JSON.stringify(b));
      return Object.keys(a as object).some((key) => key.toLowerCase() === String(b).toLowerCase());
    case 'coalesce':
      return args.find((arg) => arg !== null && arg !== undefined) ?? null;
    case 'tryget': {
      if (a === null || a === undefined) return null;
      const value: unknown = Array.isArray(a)
        ? a[Number(b)]
        : Object.entries(a).find(([key]) => key.toLowerCase() === String(b).toLowerCase())?.[1];
      return value === undefined ? null : value;
    }
    case 'createobject': {
      const object: Record<string, unknown> = {};
      for (let i = 0; i < args.length; i += 2) object[String(args[i])] = args[i + 1];
      return object;
    }
    case 'createarray':
      return args;
    case 'concat':
      return Array.isArray(a) ? args.flatMap((arg) => arg as unknown[]) : args.map(text).join('');
    case 'format':
      return String(a).replace(/\{(\d+)\}/g, (_, i: string) => text(args[Number(i) + 1]));
    case 'string':
      return text(a);
    case 'int':
      return Number(a);
    case 'split':
      return Array.isArray(b)
        ? String(a).split(new RegExp((b as string[]).map((d) => d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')))
        : String(a).split(String(b));
    case 'first':
      return typeof a === 'string' ? a[0] : (a as unknown[])[0];
    case 'last':
      return typeof a === 'string' ? a.at(-1) : (a as unknown[]).at(-1);
    case 'tolower':
      return String(a).toLowerCase();
    case 'toupper':
      return String(a).toUpperCase();
    case 'trim':
      return String(a).trim();
    case 'replace':
      return String(a).split(String(b)).join(String(c));
    case 'take':
      return typeof a === 'string' ? a.slice(0, Number(b)) : (a as unknown[]).slice(0, Number(b));
    case 'skip':
      return typeof a === 'string' ? a.slice(Number(b)) : (a as unknown[]).slice(Number(b));
    case 'startswith':
      return String(a).toLowerCase().startsWith(String(b).toLowerCase());
    case 'endswith':
      return String(a).toLowerCase().endsWith(String(b).toLowerCase());
    case 'greater':
      return Number(a) > Number(b);
    case 'less':
      return Number(a) < Number(b);
    case 'greaterorequals':
      return Number(a) >= Number(b);
    case 'lessorequals':
      return Number(a) <= Number(b);
    case 'add':
      return Number(a) + Number(b);
    case 'sub':
      return Number(a) - Number(b);
    case 'mul':
      return Number(a) * Number(b);
    case 'div':
      return Math.trunc(Number(a) / Number(b));
    case 'mod':
      return Number(a) % Number(b);
    case 'max':
    case 'min': {
      const numbers = (Array.isArray(a) && args.length === 1 ? a : args).map(Number);
      return name === 'max' ? Math.max(...numbers) : Math.min(...numbers);
    }
    case 'range':
      return Array.from({ length: Number(b) }, (_, i) => Number(a) + i);
    case 'flatten':
      return (a as unknown[][]).flat();
    case 'sort':
      return [...(a as unknown[])].sort((x, y) =>
        (b as Lambda)(x, y) === true ? -1 : (b as Lambda)(y, x) === true ? 1 : 0,
      );
    case 'resourceid': {
      // Only the form that names its subscription and resource group: resourceId(subscription, group, type, name...).
      const [subscriptionId, group, type, ...names] = args.map(String);
      if (args.length < 4 || !/^[0-9a-f-]{36}$/i.test(subscriptionId!))
        throw new Unknown("resourceId() in the deployment's own scope");
      const [namespace, ...types] = type!.split('/');
      return `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/${namespace}/${types.map((t, i) => `${t}/${names[i]}`).join('/')}`;
    }
    case 'join':
      return (a as unknown[]).map(text).join(String(b));
    default:
      if (name.includes('.')) return userFunction(name, args, scope);
      throw new Unknown(`${name}()`);
  }
}

type Remembered = { value: unknown } | { error: unknown };

const remembered = new WeakMap<object, Map<string, Remembered>>();

/** What `compute` gives for this key and owner, computed once (a thrown error too). */
function remember(owner: object, key: string, compute: () => unknown): unknown {
  let known = remembered.get(owner);
  if (!known) remembered.set(owner, (known = new Map<string, Remembered>()));
  let found = known.get(key);
  if (!found) {
    try {
      found = { value: compute() };
    } catch (error) {
      found = { error };
    }
    known.set(key, found);
  }
  if ('error' in found) throw found.error;
  return found.value;
}

/** A user-defined function of the template (`__bicep.name`), run with its own parameters and the template's variables. */
function userFunction(name: string, args: unknown[], scope: Scope): unknown {
  // A function is pure: the same arguments give the same answer in the same template.
  return remember(scope.template, `${name}:${JSON.stringify(args)}`, () => runUserFunction(name, args, scope));
}

function runUserFunction(name: string, args: unknown[], scope: Scope): unknown {
  const [namespace, member] = name.split('.');
  const found = scope.template.functions?.find((group) => group.namespace.toLowerCase() === namespace)?.members;
  const definition = Object.entries(found ?? {}).find(([key]) => key.toLowerCase() === member)?.[1];
  if (!definition) throw new Error(`the template has no function ${name}`);
  const values = Object.fromEntries(definition.parameters.map((parameter, i) => [parameter.name, args[i]]));
  const inner: Scope = {
    ...scope,
    lambda: undefined,
    parameter(parameterName) {
      if (!(parameterName in values)) throw new Error(`function ${name} has no parameter ${parameterName}`);
      return values[parameterName];
    },
  };
  return evaluateDeep(definition.output.value, inner);
}

/** Calls a user-defined function of a compiled template, e.g. `callFunction(template, 'scheduleIntervalSeconds', '0 0 * * * *')`. */
export function callFunction(template: Template, name: string, ...args: unknown[]): unknown {
  const scope = scopeOf(template, () => undefined, { main: template });
  return userFunction(`__bicep.${name.toLowerCase()}`, args, scope);
}

/** The outputs of a template (main.json or a module's own) for given parameter values, evaluated as in `plan`. */
export function outputsOf(
  template: Template,
  parameters: Record<string, unknown>,
  options: PlanOptions = {},
): Record<string, unknown> {
  const scope = scopeOf(template, (name) => (name in parameters ? parameters[name] : undefined), {
    ...options,
    main: template,
  });
  return Object.fromEntries(
    Object.entries(template.outputs ?? {}).map(([name, output]) => [name, evaluateDeep(output.value, scope, true)]),
  );
}
