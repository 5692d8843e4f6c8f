/**
 * The error a bad environment variable raises at start-up, in the to-do API and in the web app
 * (which imports it as `gatehouse-todo-api/config-error`): both entries print it as one line naming
 * the variable and exit with code 1, so both apps share the one class their tests recognise.
 */

/** A configuration value is wrong; `variable` names the environment variable. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
