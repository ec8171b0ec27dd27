// A setting's declared type and range, and the check that turns a `--set` string, a flag or a
// pipeline value into a value of it — or a one-line error naming the setting, what it must be and
// what it got. Used for the backbone settings (backbones/settings.ts), the SGFD switches
// (sgfd/config.ts) and the trainer's options (train/trainer.ts).

/** A value a setting may hold. */
export type SettingValue = number | string | boolean;

/** A setting's type and range: bounds inclusive unless marked exclusive. */
export type SettingRange =
  | { type: 'int'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] };

/** "an integer in [1, 8192]", "a number in (0, 10]", "true or false", "one of users, reference-noop". */
export function describeRange(r: SettingRange): string {
  if (r.type === 'bool') return 'true or false';
  if (r.type === 'enum') return `one of ${r.values.join(', ')}`;
  const what = r.type === 'int' ? 'an integer' : 'a number';
  const lo = r.min === undefined ? null : r.min;
  const hi = r.max === undefined ? null : r.max;
  const minEx = r.type === 'number' && r.minExclusive;
  const maxEx = r.type === 'number' && r.maxExclusive;
  if (lo !== null && hi !== null) return `${what} in ${minEx ? '(' : '['}${lo}, ${hi}${maxEx ? ')' : ']'}`;
  if (lo !== null) return `${what} ${minEx ? '>' : '≥'} ${lo}`;
  if (hi !== null) return `${what} ${maxEx ? '<' : '≤'} ${hi}`;
  return what;
}

/** Whether `v` (already of the range's type) lies in it. */
function inRange(v: SettingValue, r: SettingRange): boolean {
  if (r.type === 'bool') return typeof v === 'boolean';
  if (r.type === 'enum') return typeof v === 'string' && r.values.includes(v);
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (r.type === 'int' && !Number.isInteger(v)) return false;
  const minEx = r.type === 'number' && r.minExclusive;
  const maxEx = r.type === 'number' && r.maxExclusive;
  if (r.min !== undefined && (minEx ? !(v > r.min) : !(v >= r.min))) return false;
  if (r.max !== undefined && (maxEx ? !(v < r.max) : !(v <= r.max))) return false;
  return true;
}

/**
 * `raw` (a `--set` string, or a number/boolean from a pipeline file or code) as a value of `r`;
 * anything else is an error naming the setting (or the flag, for a name starting with '-'), what
 * it must be and what it got.
 */
export function checkSetting(name: string, raw: string | SettingValue, r: SettingRange): SettingValue {
  const v = settingValue(raw, r);
  if (v === undefined) throw new Error(`${name.startsWith('-') ? name : `setting '${name}'`} must be ${describeRange(r)}, got ${typeof raw === 'string' ? `'${raw}'` : typeof raw === 'number' && Number.isNaN(raw) ? 'a value that is not a number' : String(raw)}`);
  return v;
}

/** `raw` as a value of `r`, or undefined when it is not one. */
export function settingValue(raw: string | SettingValue, r: SettingRange): SettingValue | undefined {
  let v: SettingValue = raw;
  if (r.type === 'bool') {
    if (raw === true || raw === 'true' || raw === '1') v = true;
    else if (raw === false || raw === 'false' || raw === '0') v = false;
  } else if (r.type === 'int' || r.type === 'number') {
    v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  } else {
    v = String(raw);
  }
  return inRange(v, r) ? v : undefined;
}
