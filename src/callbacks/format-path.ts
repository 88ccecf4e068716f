// Python str.format for checkpoint file names (Keras `filepath.format(epoch=..., **logs)`): `{name}` and
// `{name:spec}` with the common spec subset [[fill]align][sign][0][width][,][.precision][type], type one of
// d f F e E g G %, and `{{` `}}` for literal braces.
import { ValueError } from '../core/errors.js';

const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(0)?(\d+)?(,)?(?:\.(\d+))?([dfFeEgG%s])?$/;

// Python's exponent has at least two digits: 1.5e+00.
const pyExp = (s: string): string => s.replace(/e([+-])(\d)$/, 'e$10$2');

function general(v: number, precision: number, upper: boolean): string {
  const p = precision === 0 ? 1 : precision;
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(p)))));
  const s = exp < -4 || exp >= p
    ? pyExp(v.toExponential(p - 1)).replace(/\.?0+e/, 'e')
    : v.toFixed(Math.max(0, p - 1 - exp)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return upper ? s.toUpperCase() : s;
}

function formatValue(field: string, v: number | string, spec: string): string {
  const m = SPEC.exec(spec);
  if (!m) throw new ValueError(`format spec "${spec}" of {${field}} is not supported`);
  const [, fill = ' ', align, sign = '-', zero, widthText, comma, precText, type] = m;
  const precision = precText === undefined ? undefined : Number(precText);
  let body: string;
  let negative = false;
  if (typeof v === 'string') {
    if (type && type !== 's') throw new ValueError(`format code "${type}" of {${field}} needs a number, got "${v}"`);
    body = precision === undefined ? v : v.slice(0, precision);
  } else {
    negative = v < 0 || Object.is(v, -0);
    const a = Math.abs(v);
    switch (type) {
      case 'd':
        if (!Number.isInteger(v)) throw new ValueError(`format code "d" of {${field}} needs an integer, got ${v}`);
        body = String(a);
        break;
      case 'f': case 'F': body = a.toFixed(precision ?? 6); break;
      case 'e': case 'E': body = pyExp(a.toExponential(precision ?? 6)); if (type === 'E') body = body.toUpperCase(); break;
      case 'g': case 'G': body = general(a, precision ?? 6, type === 'G'); break;
      case '%': body = `${(a * 100).toFixed(precision ?? 6)}%`; break;
      case 's': throw new ValueError(`format code "s" of {${field}} needs a string, got ${v}`);
      default: body = precision === undefined ? String(a) : general(a, precision, false);
    }
    if (comma) body = body.replace(/^(\d+)/, (d) => d.replace(/\B(?=(\d{3})+$)/g, ','));
  }
  const signText = typeof v === 'string' ? '' : negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  const width = widthText === undefined ? 0 : Number(widthText);
  const padChar = zero && !align ? '0' : fill;
  const alignment = align ?? (zero ? '=' : typeof v === 'string' ? '<' : '>');
  const pad = Math.max(0, width - signText.length - body.length);
  switch (alignment) {
    case '<': return signText + body + padChar.repeat(pad);
    case '^': return padChar.repeat(Math.floor(pad / 2)) + signText + body + padChar.repeat(Math.ceil(pad / 2));
    case '=': return signText + padChar.repeat(pad) + body;
    default: return padChar.repeat(pad) + signText + body;
  }
}

/** `template` with each `{name[:spec]}` replaced by values[name] formatted as Python's str.format would. */
export function formatPath(template: string, values: Readonly<Record<string, number | string>>): string {
  return template.replace(/\{\{|\}\}|\{([^{}:]*)(?::([^{}]*))?\}/g, (whole, name: string | undefined, spec = '') => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const key = name ?? '';
    if (!Object.hasOwn(values, key))
      throw new ValueError(`cannot format "${template}": no value named "${key}"; available: ` +
        `${Object.keys(values).join(', ')}`);
    return formatValue(key, values[key], spec);
  });
}
