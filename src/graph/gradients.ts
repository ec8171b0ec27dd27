// Every op's gradient rule, in one table built once from the tables each ops file exports next to
// its ops: autodiff looks rules up here. An op given a rule by two files is an error at load time.
import { type GradRule, type GradRules } from './grad-rule.ts';
import { ELEMENTWISE_GRADIENTS } from './ops/elementwise.ts';
import { MATMUL_GRADIENTS } from './ops/matmul.ts';
import { REDUCE_GRADIENTS } from './ops/reduce.ts';
import { LAYOUT_GRADIENTS } from './ops/layout.ts';
import { GATHER_GRADIENTS } from './ops/gather.ts';

/** The rule tables, by the ops file (src/graph/ops/<name>.ts) that defines them. */
const FAMILIES: Readonly<Record<string, GradRules>> = {
  elementwise: ELEMENTWISE_GRADIENTS,
  matmul: MATMUL_GRADIENTS,
  reduce: REDUCE_GRADIENTS,
  layout: LAYOUT_GRADIENTS,
  gather: GATHER_GRADIENTS,
};

function collect(families: Readonly<Record<string, GradRules>>): ReadonlyMap<string, GradRule> {
  const rules = new Map<string, GradRule>();
  const from = new Map<string, string>();
  for (const [family, table] of Object.entries(families)) {
    for (const [op, rule] of Object.entries(table)) {
      const before = from.get(op);
      if (before) throw new Error(`gradient rule for ${op} defined twice: in ops/${before}.ts and ops/${family}.ts`);
      rules.set(op, rule);
      from.set(op, family);
    }
  }
  return rules;
}

/** The gradient rule of every differentiable op, by op type. */
export const GRADIENT_RULES: ReadonlyMap<string, GradRule> = collect(FAMILIES);
