// The backbone registry: every backbone by its name.
import { type BackboneSpec, type ConfigValue } from './backbone.ts';
import { bm3Spec } from './bm3/bm3.ts';
import { mfBprSpec } from './mf-bpr/mf-bpr.ts';
import { lightGcnSpec } from './lightgcn/lightgcn.ts';
import { ngcfSpec } from './ngcf/ngcf.ts';
import { dgcfSpec } from './dgcf/dgcf.ts';
import { neuMfSpec } from './neumf/neumf.ts';
import { cmlSpec } from './cml/cml.ts';
import { SHARED_SETTINGS } from './settings.ts';
import { type SettingRange } from '../data/index.ts';
import { checkSetting } from '../data/index.ts';
import { grcnSpec } from './grcn/grcn.ts';
import { mamlSpec } from './maml/maml.ts';

export const BACKBONES: Record<string, BackboneSpec> = {
  bm3: bm3Spec, grcn: grcnSpec,
  maml: mamlSpec,
  lightgcn: lightGcnSpec,
  'mf-bpr': mfBprSpec,
  neumf: neuMfSpec,
  cml: cmlSpec,
  ngcf: ngcfSpec,
  dgcf: dgcfSpec,
};

export function backboneSpec(name: string): BackboneSpec {
  const spec = BACKBONES[name];
  if (!spec) throw new Error(`unknown backbone '${name}': available ${Object.keys(BACKBONES).join(', ')}`);
  return spec;
}

/**
 * The backbone's defaults with `overrides` applied; an unknown key is an error listing the valid keys,
 * a value of the wrong type or out of its declared range (settings.ts) one naming the range.
 */
export function resolveBackboneConfig(spec: BackboneSpec, overrides: Record<string, string | ConfigValue>): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = { ...spec.defaults };
  for (const [key, raw] of Object.entries(overrides)) {
    if (!(key in spec.defaults)) throw new Error(`unknown ${spec.name} setting '${key}': valid keys are ${Object.keys(spec.defaults).join(', ')}`);
    out[key] = checkSetting(`${spec.name}.${key}`, raw, backboneSettingRange(spec.name, key));
  }
  const problem = spec.checkConfig?.(out);
  if (problem) throw new Error(problem);
  return out;
}

/** The declared range of `backbone`'s setting `key`: its spec's own entry, else the shared one. */
export function backboneSettingRange(backbone: string, key: string): SettingRange {
  const r = backboneSpec(backbone).settings?.[key] ?? SHARED_SETTINGS[key];
  if (!r) throw new Error(`setting '${backbone}.${key}' has no declared range (its spec's settings, or SHARED_SETTINGS in src/backbones/settings.ts)`);
  return r;
}

/** The range of `key` in any backbone (the shared one, else the first backbone declaring it), or undefined. */
export function anyBackboneSettingRange(key: string): SettingRange | undefined {
  return SHARED_SETTINGS[key] ?? Object.values(BACKBONES).map((s) => s.settings?.[key]).find((r) => r);
}

export type { BackboneSpec, Backbone, ConfigValue } from './backbone.ts';
export { type ColdStartRule, ColdStartUnsupported } from './cold-start-rule.ts';
