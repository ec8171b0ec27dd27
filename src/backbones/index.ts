// The backbone registry: every backbone by its name.
import { type BackboneSpec, type ConfigValue } from './backbone.ts';
import { bm3Spec } from './bm3/bm3.ts';
import { mfBprSpec } from './mf-bpr/mf-bpr.ts';
import { lightGcnSpec } from './lightgcn/lightgcn.ts';
import { ngcfSpec } from './ngcf/ngcf.ts';
import { dgcfSpec } from './dgcf/dgcf.ts';
import { neuMfSpec } from './neumf/neumf.ts';
import { cmlSpec } from './cml/cml.ts';
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

/** The backbone's defaults with `overrides` applied; unknown keys and wrong types are errors listing the valid keys. */
export function resolveBackboneConfig(spec: BackboneSpec, overrides: Record<string, string | ConfigValue>): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = { ...spec.defaults };
  for (const [key, raw] of Object.entries(overrides)) {
    if (!(key in spec.defaults)) throw new Error(`unknown ${spec.name} setting '${key}': valid keys are ${Object.keys(spec.defaults).join(', ')}`);
    out[key] = coerce(`${spec.name}.${key}`, raw, spec.defaults[key]);
  }
  return out;
}

export function coerce(key: string, raw: string | ConfigValue, like: ConfigValue): ConfigValue {
  if (typeof like === 'number') {
    const v = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isFinite(v)) throw new Error(`setting '${key}' must be a number, got '${raw}'`);
    return v;
  }
  if (typeof like === 'boolean') {
    if (raw === true || raw === 'true' || raw === '1') return true;
    if (raw === false || raw === 'false' || raw === '0') return false;
    throw new Error(`setting '${key}' must be true or false, got '${raw}'`);
  }
  return String(raw);
}

export type { BackboneSpec, Backbone, ConfigValue } from './backbone.ts';
