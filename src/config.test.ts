import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('logs at info unless --log-level or LOG_LEVEL says otherwise; the flag wins', () => {
    expect(loadConfig({}, {}).logLevel).toBe('info');
    expect(loadConfig({}, { LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(loadConfig({ 'log-level': 'warn' }, { LOG_LEVEL: 'debug' }).logLevel).toBe('warn');
  });

  it('refuses a log level pino does not have', () => {
    expect(() => loadConfig({ 'log-level': 'verbose' }, {})).toThrow(/Invalid log level "verbose"/);
  });

  it('names PostgreSQL statements unless --no-prepared-statements or DATABASE_PREPARED_STATEMENTS=off', () => {
    expect(loadConfig({}, {}).databasePreparedStatements).toBe(true);
    expect(loadConfig({}, { DATABASE_PREPARED_STATEMENTS: 'off' }).databasePreparedStatements).toBe(false);
    expect(loadConfig({ 'no-prepared-statements': true }, {}).databasePreparedStatements).toBe(false);
    expect(() => loadConfig({}, { DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(
      /Invalid DATABASE_PREPARED_STATEMENTS/,
    );
  });
});
