/**
 * The size in bytes of `value` as JSON (as `JSON.stringify` would write it), or null as soon as it is
 * known to exceed `max`. It walks the value instead of serialising it, so an oversized result is
 * refused after reading about `max` bytes' worth of it, without building the string.
 */
export function jsonSizeWithin(value: unknown, max: number): number | null {
  let size = 0;

  // Returns false once over the limit; the caller stops.
  function add(v: unknown, inArray: boolean): boolean {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
      v = (v as { toJSON(): unknown }).toJSON();
    switch (typeof v) {
      case 'string':
        size += Buffer.byteLength(JSON.stringify(v));
        break;
      case 'number':
        size += Number.isFinite(v) ? String(v).length : 4;
        break;
      case 'boolean':
        size += v ? 4 : 5;
        break;
      case 'bigint':
        // JSON.stringify throws on these; they never reach a response.
        size += String(v).length;
        break;
      case 'object': {
        if (v === null) {
          size += 4;
          break;
        }
        if (Array.isArray(v)) {
          size += 2 + Math.max(0, v.length - 1);
          for (const item of v) if (!add(item, true)) return false;
          break;
        }
        size += 2;
        let first = true;
        for (const [key, item] of Object.entries(v)) {
          if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
          size += Buffer.byteLength(JSON.stringify(key)) + 1 + (first ? 0 : 1);
          first = false;
          if (!add(item, false)) return false;
        }
        break;
      }
      default:
        // undefined, functions and symbols: `null` inside an array, left out of an object.
        if (inArray) size += 4;
    }
    return size <= max;
  }

  return add(value, false) ? size : null;
}
