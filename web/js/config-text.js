// A pasted or dropped config.json: parsed, or refused with the line and
// column of the problem (the Hub client, hub.js, parses its answers here too).

export class ConfigError extends Error {
  /**
   * @param {string} kind invalid_json | not_object
   */
  constructor(kind, message, {line = 0, column = 0} = {}) {
    super(message);
    this.name = 'ConfigError';
    this.kind = kind;
    this.line = line;
    this.column = column;
  }
}

/** 1-based line and column of a 0-based character offset. */
export function lineColumn(text, offset) {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return {line: lines.length, column: lines[lines.length - 1].length + 1};
}

// The core's reading of a config file (engine.js registers it once the
// wasm module is loaded): it accepts the Infinity, -Infinity and NaN
// literals Python's json writes and the Hub serves (NVIDIA's Nemotron-H
// configs), which JSON.parse refuses; api.h config_file_json.
let coreParse = null;

/** Called by engine.js with (text) -> config object (throws when malformed). */
export function useCoreConfigParser(fn) {
  coreParse = fn;
}

/** JSON text -> config object; ConfigError with line/column when malformed. */
export function parseConfigText(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (coreParse) {
      try {
        value = coreParse(text);
      } catch {
        value = undefined; // report JSON.parse's error below
      }
    }
    if (value !== undefined) return checkObject(value);
    const msg = String(e.message);
    let where = null;
    const lc = /line (\d+) column (\d+)/.exec(msg);
    const pos = /position (\d+)/.exec(msg);
    if (lc) where = {line: Number(lc[1]), column: Number(lc[2])};
    else if (pos) where = lineColumn(text, Number(pos[1]));
    else if (/end of (JSON )?input/i.test(msg)) where = lineColumn(text, text.length);
    const at = where ? ` at line ${where.line}, column ${where.column}` : '';
    const detail = msg.replace(/^JSON\.parse: /, '').replace(/ in JSON at position \d+.*$/, '');
    throw new ConfigError(
      'invalid_json',
      `config.json is not valid JSON${at}: ${detail}`,
      where ?? {},
    );
  }
  return checkObject(value);
}

function checkObject(value) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('not_object', 'config.json must be a JSON object ({ ... })');
  }
  return value;
}
