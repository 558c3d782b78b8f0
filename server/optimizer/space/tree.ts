/**
 * Conditional search spaces: a categorical parameter whose choices carry their own sub-parameters,
 * `{"model": {"choices": {"svm": {"C": {...}}, "linear": {}}}}`. The tree is kept flat (every
 * parameter in `SearchSpace.parameters`, sub-parameters with a `Condition` naming their parent and
 * choice); this file parses the tree, names its parameters, walks the active ones parent-first, and
 * writes the tree back in canonical form.
 *
 * Names: a trial is flat, keyed by parameter name. A top-level parameter, and a sub-parameter whose
 * name occurs once in the whole tree, keep their own name; a sub-parameter whose name occurs more than
 * once (under two choices, or also at the top level) is keyed `choice.name` (`adam.lr`, `sgd.lr`). A
 * key that still collides with another is refused, naming both paths.
 */
import { keyProblem, nameProblem } from '../../text.ts';
import { parseChoices } from './categorical.ts';
import {
  MAX_CHOICES,
  MAX_DEPTH,
  MAX_NAME_LENGTH,
  MAX_PARAMETERS,
  MAX_VALUE_LENGTH,
  type ChoicesJson,
  type Parameter,
  type ParameterJson,
  type ParamValue,
  type SearchSpace,
} from './parameter.ts';
import { describe, isRecord, quoteList, SearchSpaceError } from './spec.ts';

/** A parameter as parsed, before its key is known (its `name` is still its path). */
interface Node {
  readonly param: Parameter;
  /** `model.svm.C`: the top-level name, then choice and name for each level; what errors name. */
  readonly path: string;
  readonly specName: string;
  readonly parent: Node | null;
  readonly choice: string | null;
}

/** Whether a raw spec is a categorical with sub-parameters (an object with a `choices` key). */
export function isChoicesSpec(spec: unknown): spec is Readonly<Record<string, unknown>> {
  return isRecord(spec) && Object.hasOwn(spec, 'choices');
}

/**
 * Parses the parameters of a space written as a tree into flat parameters, each keyed by its job name,
 * sub-parameters with their condition. `parseLeaf(path, spec)` parses a spec without sub-parameters.
 * Bounded: at most `MAX_PARAMETERS` parameters in all, at most `MAX_DEPTH` levels of choices.
 * @throws {SearchSpaceError} naming the path of the faulty spec (`model.svm.C`).
 */
export function parseTree(entries: readonly (readonly [string, unknown])[], parseLeaf: (path: string, spec: unknown) => Parameter): Parameter[] {
  const nodes: Node[] = [];
  const visit = (specName: string, spec: unknown, parent: Node | null, choice: string | null, depth: number): void => {
    const path = parent === null ? specName : `${parent.path}.${choice}.${specName}`;
    if (nodes.length >= MAX_PARAMETERS) {
      throw new SearchSpaceError(null, `search space must have at most ${MAX_PARAMETERS} parameters, counting those under choices, but got more`);
    }
    const problem = nameProblem(specName, MAX_NAME_LENGTH);
    if (problem !== null) throw new SearchSpaceError(path, `name ${problem}`);
    if (depth > MAX_DEPTH) {
      throw new SearchSpaceError(path, `sub-parameters may nest at most ${MAX_DEPTH} choices deep, but this one is ${depth} deep`);
    }
    if (!isChoicesSpec(spec)) {
      nodes.push({ param: parseLeaf(path, spec), path, specName, parent, choice });
      return;
    }
    const branches = readBranches(path, spec);
    const node: Node = { param: parseChoices(path, branches.map(([value]) => value)), path, specName, parent, choice };
    nodes.push(node);
    for (const [value, subs] of branches) for (const [name, sub] of Object.entries(subs)) visit(name, sub, node, value, depth + 1);
  };
  for (const [name, spec] of entries) visit(name, spec, null, null, 0);
  return nameNodes(nodes);
}

/** The choices of a `{"choices": {...}}` spec and each one's sub-parameter specs. */
function readBranches(path: string, spec: Readonly<Record<string, unknown>>): [string, Readonly<Record<string, unknown>>][] {
  const extra = Object.keys(spec).filter((key) => key !== 'choices');
  if (extra.length > 0) throw new SearchSpaceError(path, `a parameter with "choices" takes no other key, but got ${quoteList(extra)}`);
  const choices = spec.choices;
  if (!isRecord(choices)) {
    throw new SearchSpaceError(
      path,
      `choices must be an object mapping each choice to its sub-parameters, such as {"svm": {"C": {"min": 0.1, "max": 10}}, "linear": {}}, but got ${describe(choices)} (a plain list [...] is a categorical without sub-parameters)`,
    );
  }
  // Sorted: a choices object's key order is not kept by every store (PostgreSQL's jsonb reorders
  // keys), and the same space must read back the same (resuming compares canonical spaces).
  const entries = Object.entries(choices).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) throw new SearchSpaceError(path, 'choices must not be empty');
  if (entries.length > MAX_CHOICES) throw new SearchSpaceError(path, `choices must be at most ${MAX_CHOICES}, but got ${entries.length}`);
  return entries.map(([value, subs]) => {
    // A key of the stored tree, not only a value: refused where a JavaScript object would drop it.
    const problem = keyProblem(value, MAX_VALUE_LENGTH);
    if (problem !== null) throw new SearchSpaceError(path, `choice ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} ${problem}`);
    if (!isRecord(subs)) {
      throw new SearchSpaceError(
        `${path}.${value}`,
        `the sub-parameters of a choice must be an object of parameter name to spec ({} for none), but got ${describe(subs)}`,
      );
    }
    return [value, subs];
  });
}

/** Keys every node (see the file's comment), refuses a key that collides, and attaches conditions. */
function nameNodes(nodes: readonly Node[]): Parameter[] {
  const occurrences = new Map<string, number>();
  for (const node of nodes) occurrences.set(node.specName, (occurrences.get(node.specName) ?? 0) + 1);
  const keys = new Map<Node, string>();
  const pathOfKey = new Map<string, string>();
  for (const node of nodes) {
    const key = node.parent === null || occurrences.get(node.specName) === 1 ? node.specName : `${node.choice}.${node.specName}`;
    const problem = key === node.specName ? null : nameProblem(key, MAX_NAME_LENGTH);
    if (problem !== null) throw new SearchSpaceError(node.path, `its name in a trial, ${JSON.stringify(key.slice(0, 40))}…, ${problem}`);
    const other = pathOfKey.get(key);
    if (other !== undefined) {
      throw new SearchSpaceError(
        node.path,
        `is keyed ${JSON.stringify(key)} in a trial, as is the parameter at ${JSON.stringify(other)}; rename one of them`,
      );
    }
    pathOfKey.set(key, node.path);
    keys.set(node, key);
  }
  return nodes.map((node) => {
    const name = keys.get(node)!;
    if (node.parent === null) return Object.freeze({ ...node.param, name });
    const condition = Object.freeze({ parent: keys.get(node.parent)!, values: Object.freeze([node.choice!]), specName: node.specName });
    return Object.freeze({ ...node.param, name, condition });
  });
}

/** What the algorithms need to know about a space's tree, computed once per space. */
export interface SpaceTree {
  /** Every parameter, parents before their sub-parameters (otherwise in name order). */
  readonly parentFirst: readonly Parameter[];
  readonly byName: ReadonlyMap<string, Parameter>;
  /** Whether any parameter has a condition. */
  readonly conditional: boolean;
}

const trees = new WeakMap<SearchSpace, SpaceTree>();

/** The tree of a space (cached per space object; spaces are immutable). */
export function treeOf(space: SearchSpace): SpaceTree {
  const cached = trees.get(space);
  if (cached !== undefined) return cached;
  const byName = new Map(space.parameters.map((param) => [param.name, param]));
  const depth = (param: Parameter): number => {
    let d = 0;
    for (let p: Parameter | undefined = param; p?.condition !== undefined && d <= MAX_DEPTH; p = byName.get(p.condition.parent)) d++;
    return d;
  };
  const depths = new Map(space.parameters.map((param) => [param, depth(param)]));
  const parentFirst = [...space.parameters].sort((a, b) => depths.get(a)! - depths.get(b)!);
  const tree: SpaceTree = { parentFirst, byName, conditional: space.parameters.some((param) => param.condition !== undefined) };
  trees.set(space, tree);
  return tree;
}

/**
 * Visits the active parameters parent-first and returns what `valueOf` gave each, in visiting order: a
 * parameter is active when it has no condition, or its parent is active and took one of the
 * condition's values. `valueOf` is called for active parameters only, so a sampler draws the parent
 * first and then only the children of the choice it drew; it may return undefined (a value missing
 * from a trial), which leaves that parameter's sub-parameters inactive.
 */
export function walkActive(space: SearchSpace, valueOf: (param: Parameter) => ParamValue | undefined): Map<string, ParamValue | undefined> {
  const values = new Map<string, ParamValue | undefined>();
  for (const param of treeOf(space).parentFirst) {
    const condition = param.condition;
    if (condition !== undefined) {
      const parentValue = values.get(condition.parent);
      if (parentValue === undefined || !condition.values.includes(parentValue)) continue;
    }
    values.set(param.name, valueOf(param));
  }
  return values;
}

/** An assignment from `walkActive`'s values, keys in parameter-name order (the order of `space.parameters`). */
export function activeParams(space: SearchSpace, values: ReadonlyMap<string, ParamValue | undefined>): Readonly<Record<string, ParamValue>> {
  const entries: [string, ParamValue][] = [];
  for (const param of space.parameters) {
    const value = values.get(param.name);
    if (value !== undefined) entries.push([param.name, value]);
  }
  return Object.freeze(Object.fromEntries(entries));
}

/** The parameters that have a condition, by their parent's name (in the space's order). */
export function childrenByParent(space: SearchSpace): Map<string, Parameter[]> {
  const children = new Map<string, Parameter[]>();
  for (const param of space.parameters) {
    if (param.condition === undefined) continue;
    const list = children.get(param.condition.parent) ?? [];
    list.push(param);
    children.set(param.condition.parent, list);
  }
  return children;
}

/**
 * The space in canonical Oscar form as a tree: top-level parameters sorted by name; a parameter with
 * sub-parameters as `{"choices": {choice: {name: spec, ...}}}`, choices in their order, sub-parameters
 * sorted by their name in the spec. `leafToJson` writes a parameter without sub-parameters.
 */
export function treeToJson(space: SearchSpace, leafToJson: (param: Parameter) => ParameterJson): Record<string, ParameterJson> {
  const children = childrenByParent(space);
  const toJson = (param: Parameter): ParameterJson => {
    const subs = children.get(param.name);
    if (subs === undefined) return leafToJson(param);
    const values = param.kind === 'categorical' ? param.choices : param.kind === 'constant' ? [param.value] : [];
    const branch = (value: ParamValue) =>
      Object.fromEntries(
        subs
          .filter((sub) => sub.condition!.values.includes(value))
          .sort((a, b) => (a.condition!.specName < b.condition!.specName ? -1 : a.condition!.specName > b.condition!.specName ? 1 : 0))
          .map((sub) => [sub.condition!.specName, toJson(sub)]),
      );
    const json: ChoicesJson = { choices: Object.fromEntries(values.map((value) => [String(value), branch(value)])) };
    return json;
  };
  return Object.fromEntries(space.parameters.filter((param) => param.condition === undefined).map((param) => [param.name, toJson(param)]));
}
