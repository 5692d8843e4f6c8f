/** The subset of a pino-style logger (`obj, msg`) Gatehouse writes to. Every method is optional. */
export interface Logger {
  debug?(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
  warn?(obj: object, msg: string): void;
  error?(obj: object, msg: string): void;
}

export const silentLogger: Logger = {};
